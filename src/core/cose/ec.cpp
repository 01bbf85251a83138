// ECDSA keys and signatures: ES256 (P-256), ES384 (P-384), ES512 (P-521). RFC 9053 §2.1, §7.1.1.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>

#include <array>
#include <iterator>
#include <memory>

#include "cose/internal.hpp"

namespace signet::core::cose_detail {

using boost::system::result;

namespace {

struct curve {
  std::int64_t crv;      // COSE crv
  const char* name;      // OpenSSL group name
  std::size_t coord;     // bytes per coordinate
  std::int32_t alg;      // the one ES alg that goes with it
  const char* digest;
};

constexpr curve k_curves[] = {
    {1, "prime256v1", 32, static_cast<std::int32_t>(cose_alg::es256), "SHA256"},
    {2, "secp384r1", 48, static_cast<std::int32_t>(cose_alg::es384), "SHA384"},
    {3, "secp521r1", 66, static_cast<std::int32_t>(cose_alg::es512), "SHA512"},
};

const curve* curve_for_alg(std::int32_t alg) {
  for (const auto& c : k_curves)
    if (c.alg == alg) return &c;
  return nullptr;
}

/// A key holding only the curve's domain parameters, made once per curve. Each import duplicates it
/// and sets the point: EVP_PKEY_fromdata with the group's name would build the group (its Montgomery
/// constants, generator tables) again for every key, ~4x the cost of a duplicate.
EVP_PKEY* curve_template(const curve& c) {
  static const auto templates = [] {
    std::array<evp_pkey_ptr, std::size(k_curves)> t;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(k_curves[i].name), 0),
          OSSL_PARAM_construct_end()};
      if (auto key = pkey_from_params("EC", params, EVP_PKEY_KEY_PARAMETERS)) t[i] = std::move(*key);
    }
    return t;
  }();
  return templates[static_cast<std::size_t>(&c - k_curves)].get();
}

/// The curve's group, built once (EC_GROUP_new_by_curve_name); only read afterwards.
const EC_GROUP* curve_group(const curve& c) {
  static const auto groups = [] {
    std::array<EC_GROUP*, std::size(k_curves)> g{};
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = EC_GROUP_new_by_curve_name(OBJ_sn2nid(k_curves[i].name));
    return g;
  }();
  return groups[static_cast<std::size_t>(&c - k_curves)];
}

struct ec_point_bytes {
  const curve* c;
  bytes sec1;  // 0x04 || x || y
};

/// The COSE checks of an EC2 key: crv known and matching alg, x and y of the curve's size.
result<ec_point_bytes> ec_point_from_cose(const cbor::map& m, std::int32_t alg) {
  const cbor::value* crv_v = cbor::find(m, std::int64_t{-1});
  const bytes* x = get_bytes(m, -2);
  const bytes* y = get_bytes(m, -3);
  if (!crv_v || !crv_v->as_int() || !x) return errc::cose_key_malformed;
  // Compressed points (y as a bool) are legal COSE but no authenticator sends them; refuse them.
  if (!y) return errc::cose_key_malformed;
  const curve* c = nullptr;
  for (const auto& k : k_curves)
    if (k.crv == *crv_v->as_int()) c = &k;
  if (!c) return errc::cose_key_type_unsupported;
  // RFC 9053 §2.1: ES256 with P-256, ES384 with P-384, ES512 with P-521.
  if (c->alg != alg) return errc::cose_key_alg_mismatch;
  if (x->size() != c->coord || y->size() != c->coord) return errc::cose_key_invalid_point;
  ec_point_bytes p{c, {}};
  p.sec1.reserve(1 + 2 * c->coord);
  p.sec1.push_back(0x04);  // SEC1 uncompressed
  p.sec1.insert(p.sec1.end(), x->begin(), x->end());
  p.sec1.insert(p.sec1.end(), y->begin(), y->end());
  return p;
}

}  // namespace

result<evp_pkey_ptr> ec_key_from_cose(const cbor::map& m, std::int32_t alg) {
  auto p = ec_point_from_cose(m, alg);
  if (!p) return p.error();
  EVP_PKEY* tmpl = curve_template(*p->c);
  if (!tmpl) return errc::cose_key_invalid_parameters;
  evp_pkey_ptr key(EVP_PKEY_dup(tmpl));
  if (!key) return errc::cose_key_invalid_parameters;
  // Decodes the point and refuses one that is not on the curve.
  if (EVP_PKEY_set1_encoded_public_key(key.get(), p->sec1.data(), p->sec1.size()) != 1)
    return errc::cose_key_invalid_point;
  // Public-key validation (on curve, not infinity; the order follows on these curves).
  if (!public_check(key.get())) return errc::cose_key_invalid_point;
  return key;
}

result<void> ec_check_from_cose(const cbor::map& m, std::int32_t alg) {
  auto p = ec_point_from_cose(m, alg);
  if (!p) return p.error();
  const EC_GROUP* group = curve_group(*p->c);
  if (!group) return errc::cose_key_invalid_parameters;
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group), &EC_POINT_free);
  if (!point) return errc::cose_key_invalid_parameters;
  // What ec_key_from_cose's import and quick check establish: the coordinates are below the field
  // prime and the point lies on the curve (oct2point refuses it otherwise), and it is not the point
  // at infinity (which 0x04 cannot encode); cofactor 1, so its order is the group's.
  if (EC_POINT_oct2point(group, point.get(), p->sec1.data(), p->sec1.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group, point.get()) == 1 || EC_POINT_is_on_curve(group, point.get(), nullptr) != 1)
    return errc::cose_key_invalid_point;
  return {};
}

result<void> ec_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig) {
  const curve* c = curve_for_alg(alg);
  if (!c) return errc::cose_alg_unsupported;
  if (sig.empty()) return errc::signature_malformed;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, c->digest, nullptr, nullptr, key, nullptr) != 1)
    return errc::signature_invalid;
  // WebAuthn ECDSA signatures are ASN.1 DER (RFC 3279 Ecdsa-Sig-Value), which OpenSSL expects.
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1)
    return errc::signature_invalid;
  return {};
}

}  // namespace signet::core::cose_detail
