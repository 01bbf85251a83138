// COSE_Key parsing (RFC 9052 §7) and signature dispatch by algorithm family.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>

#include "cose/internal.hpp"
#include "signet/core/cose.hpp"

namespace signet::core {

using boost::system::result;
using namespace cose_detail;

void evp_pkey_deleter::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

public_key::public_key(evp_pkey_ptr key, std::int32_t alg, bytes cose) noexcept
    : key_(key.release(), evp_pkey_deleter{}), alg_(alg), cose_(std::move(cose)) {}

std::span<const std::int32_t> supported_credential_algorithms() noexcept {
  // Order offered in pubKeyCredParams: EdDSA and ES256 first (small, fast), RSA last.
  static constexpr std::array<std::int32_t, 12> algs{
      static_cast<std::int32_t>(cose_alg::eddsa), static_cast<std::int32_t>(cose_alg::es256),
      static_cast<std::int32_t>(cose_alg::es384), static_cast<std::int32_t>(cose_alg::es512),
      static_cast<std::int32_t>(cose_alg::ed25519), static_cast<std::int32_t>(cose_alg::ed448),
      static_cast<std::int32_t>(cose_alg::ps256),
      static_cast<std::int32_t>(cose_alg::ps384), static_cast<std::int32_t>(cose_alg::ps512),
      static_cast<std::int32_t>(cose_alg::rs256), static_cast<std::int32_t>(cose_alg::rs384),
      static_cast<std::int32_t>(cose_alg::rs512)};
  return algs;
}

namespace cose_detail {

bool is_ec_alg(std::int32_t a) noexcept {
  return a == static_cast<std::int32_t>(cose_alg::es256) || a == static_cast<std::int32_t>(cose_alg::es384) ||
         a == static_cast<std::int32_t>(cose_alg::es512);
}
bool is_rsa_alg(std::int32_t a) noexcept {
  switch (static_cast<cose_alg>(a)) {
    case cose_alg::rs256:
    case cose_alg::rs384:
    case cose_alg::rs512:
    case cose_alg::ps256:
    case cose_alg::ps384:
    case cose_alg::ps512:
    case cose_alg::rs1:
      return true;
    default:
      return false;
  }
}
bool is_eddsa_alg(std::int32_t a) noexcept {
  return a == static_cast<std::int32_t>(cose_alg::eddsa) || a == static_cast<std::int32_t>(cose_alg::ed25519) ||
         a == static_cast<std::int32_t>(cose_alg::ed448);
}

const bytes* get_bytes(const cbor::map& m, std::int64_t label) noexcept {
  const cbor::value* v = cbor::find(m, label);
  return v ? v->as_bytes() : nullptr;
}

result<evp_pkey_ptr> pkey_from_params(const char* type, const OSSL_PARAM* params, int selection) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return errc::cose_key_invalid_parameters;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) <= 0 || !raw)
    return errc::cose_key_invalid_parameters;
  return evp_pkey_ptr(raw);
}

bool public_check(EVP_PKEY* key) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return false;
  // EC: the quick check (the point decodes, lies on the curve and is not at infinity) is the full
  // check on the curves COSE allows here (P-256/384/521 have cofactor 1, so every such point has the
  // group's prime order) without the n·Q multiplication, 22 % of a sign-in (docs/performance.md).
  if (EVP_PKEY_is_a(key, "EC")) return EVP_PKEY_public_check_quick(ctx.get()) == 1;
  return EVP_PKEY_public_check(ctx.get()) == 1;
}

}  // namespace cose_detail

namespace {

struct imported {
  std::int32_t alg;
  evp_pkey_ptr key;  // null when only checked
};

/// A COSE_Key's checks, then its key built; with `build_ec` false an EC2 key's point is only checked
/// (RSA and OKP keys are built either way: their checks are the import).
result<imported> import_cose_key(const cbor::map& m, bool build_ec) {
  // alg first (RFC 9053 keys used with WebAuthn must carry it, §5.8.5), so a key without one, or
  // with one we do not implement, gets that specific code whatever else is wrong with it.
  const cbor::value* alg_v = cbor::find(m, alg_label);
  if (!alg_v) return errc::cose_key_alg_missing;
  if (!alg_v->as_int()) return errc::cose_key_malformed;
  const std::int64_t a64 = *alg_v->as_int();
  if (a64 < INT32_MIN || a64 > INT32_MAX) return errc::cose_alg_unsupported;
  const auto a = static_cast<std::int32_t>(a64);
  // Anything outside EC2/RSA/OKP signing algorithms — ML-DSA (-48/-49/-50) needs OpenSSL 3.5 —
  // is refused: this build cannot verify it.
  if (!is_ec_alg(a) && !is_rsa_alg(a) && !is_eddsa_alg(a)) return errc::cose_alg_unsupported;
  const cbor::value* kty_v = cbor::find(m, kty_label);
  if (!kty_v || !kty_v->as_int()) return errc::cose_key_malformed;
  result<evp_pkey_ptr> key = errc::cose_key_type_unsupported;
  switch (*kty_v->as_int()) {
    case kty_ec2:
      if (!is_ec_alg(a)) return errc::cose_key_alg_mismatch;
      if (!build_ec) {
        if (auto checked = ec_check_from_cose(m, a); !checked) return checked.error();
        return imported{a, nullptr};
      }
      key = ec_key_from_cose(m, a);
      break;
    case kty_rsa:
      if (!is_rsa_alg(a)) return errc::cose_key_alg_mismatch;
      key = rsa_key_from_cose(m, a);
      break;
    case kty_okp:
      if (!is_eddsa_alg(a)) return errc::cose_key_alg_mismatch;
      key = okp_key_from_cose(m, a);
      break;
    case kty_akp:
      return errc::cose_key_alg_mismatch;  // an ML-DSA key type with a classical alg
    default:
      return errc::cose_key_type_unsupported;
  }
  if (!key) return key.error();
  return imported{a, std::move(*key)};
}

result<const cbor::map*> cose_map(const cbor::value& v) {
  const cbor::map* m = v.as_map();
  if (!m) return errc::cose_key_malformed;
  return m;
}

}  // namespace

result<public_key> cose_key_from_cbor(const cbor::map& m, byte_view raw) {
  auto k = import_cose_key(m, true);
  if (!k) return k.error();
  return public_key(std::move(k->key), k->alg, bytes(raw.begin(), raw.end()));
}

result<public_key> parse_cose_key(byte_view cose) {
  auto v = cbor::decode_one(cose);
  if (!v) return v.error();
  auto m = cose_map(*v);
  if (!m) return m.error();
  return cose_key_from_cbor(**m, cose);
}

result<std::int32_t> check_cose_key(byte_view cose) {
  auto v = cbor::decode_one(cose);
  if (!v) return v.error();
  auto m = cose_map(*v);
  if (!m) return m.error();
  auto k = import_cose_key(**m, false);
  if (!k) return k.error();
  return k->alg;
}

result<void> verify_signature(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig) {
  if (!key) return errc::cose_key_invalid_parameters;
  if (is_ec_alg(alg)) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return errc::cose_key_alg_mismatch;
    return ec_verify(key, alg, data, sig);
  }
  if (is_rsa_alg(alg)) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return errc::cose_key_alg_mismatch;
    return rsa_verify(key, alg, data, sig);
  }
  if (is_eddsa_alg(alg)) {
    const int id = EVP_PKEY_get_base_id(key);
    if (id != EVP_PKEY_ED25519 && id != EVP_PKEY_ED448) return errc::cose_key_alg_mismatch;
    if ((alg == static_cast<std::int32_t>(cose_alg::ed25519) && id != EVP_PKEY_ED25519) ||
        (alg == static_cast<std::int32_t>(cose_alg::ed448) && id != EVP_PKEY_ED448))
      return errc::cose_key_alg_mismatch;
    return eddsa_verify(key, alg, data, sig);
  }
  return errc::cose_alg_unsupported;
}

result<void> verify_signature(const public_key& key, byte_view data, byte_view sig) {
  // Credential (assertion) signatures never use SHA-1.
  if (key.alg() == static_cast<std::int32_t>(cose_alg::rs1)) return errc::cose_alg_not_allowed;
  return verify_signature(key.get(), key.alg(), data, sig);
}

}  // namespace signet::core
