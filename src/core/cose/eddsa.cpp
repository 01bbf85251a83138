// EdDSA keys and signatures (RFC 8032): Ed25519 and Ed448 as COSE OKP keys (RFC 9053 §2.2, §7.2).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "cose/internal.hpp"

namespace signet::core::cose_detail {

using boost::system::result;

namespace {

/// Little-endian a >= b for equal-length byte strings.
bool le_greater_equal(const bytes& a, const bytes& b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

bytes le_from_hex(std::string_view hex) {
  bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

/// RFC 8032 §5.1.3 / §5.2.3 decode the y coordinate, then refuse what a verifier must not trust:
/// a non-canonical y (y >= p), and the points of small order (order 1, 2, 4 and 8 on Ed25519; 1, 2
/// and 4 on Ed448). A small-order public key lets anyone forge signatures that OpenSSL's verify
/// accepts (the cofactor-less equation holds for every message with R = identity, S = 0), so such a
/// credential key is refused at registration. The checks compare the y encoding with the sign bit of
/// x cleared, so both signs of each point are covered.
bool weak_or_non_canonical(const bytes& x, bool ed25519) {
  bytes y = x;
  if (ed25519) {
    y.back() &= 0x7f;
  } else {
    if ((y.back() & 0x7f) != 0) return true;  // Ed448: the last octet holds only the sign bit
    y.pop_back();
  }
  // p = 2^255 - 19 (Ed25519); p = 2^448 - 2^224 - 1 (Ed448), little-endian.
  bytes p(y.size(), 0xff);
  if (ed25519) {
    p.front() = 0xed;
    p.back() = 0x7f;
  } else {
    p[28] = 0xfe;
  }
  if (le_greater_equal(y, p)) return true;  // non-canonical
  bytes zero(y.size(), 0), one(y.size(), 0), minus_one = p;
  one.front() = 1;
  minus_one.front() = static_cast<byte>(minus_one.front() - 1);
  std::vector<bytes> small{zero, one, minus_one};
  if (ed25519) {
    // y of the two (pairs of) points of order 8.
    small.push_back(le_from_hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"));
    small.push_back(le_from_hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"));
  }
  for (const auto& w : small)
    if (y == w) return true;
  return false;
}

}  // namespace

result<evp_pkey_ptr> okp_key_from_cose(const cbor::map& m, std::int32_t alg) {
  const cbor::value* crv_v = cbor::find(m, std::int64_t{-1});
  const bytes* x = get_bytes(m, -2);
  if (!crv_v || !crv_v->as_int() || !x) return errc::cose_key_malformed;
  if (cbor::find(m, std::int64_t{-4})) return errc::cose_key_invalid_parameters;  // private key 'd'
  const char* type = nullptr;
  std::size_t len = 0;
  switch (*crv_v->as_int()) {
    case 6: type = "ED25519"; len = 32; break;
    case 7: type = "ED448"; len = 57; break;
    default: return errc::cose_key_type_unsupported;  // X25519/X448 cannot sign
  }
  // The fully specified ids (-19 Ed25519, -53 Ed448) only go with their own curve.
  if ((alg == static_cast<std::int32_t>(cose_alg::ed25519) && len != 32) ||
      (alg == static_cast<std::int32_t>(cose_alg::ed448) && len != 57))
    return errc::cose_key_alg_mismatch;
  if (x->size() != len) return errc::cose_key_invalid_point;
  if (weak_or_non_canonical(*x, len == 32)) return errc::cose_key_invalid_point;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<byte*>(x->data()), x->size()),
      OSSL_PARAM_construct_end()};
  auto key = pkey_from_params(type, params);
  if (!key) return errc::cose_key_invalid_point;
  return key;
}

result<void> eddsa_verify(EVP_PKEY* key, std::int32_t, byte_view data, byte_view sig) {
  const std::size_t want = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? 64 : 114;
  if (sig.size() != want) return errc::signature_malformed;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  // PureEdDSA: no pre-hash, one-shot verify.
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr) != 1)
    return errc::signature_invalid;
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1)
    return errc::signature_invalid;
  return {};
}

}  // namespace signet::core::cose_detail
