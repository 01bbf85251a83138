// fuzz_cose_key: parse_cose_key (COSE_Key -> validated OpenSSL EVP_PKEY) and verify_signature.
//
// Invariants on success:
//  - the input is exactly one CBOR map (cbor::decode_one succeeds; trailing bytes are an error);
//  - the key holds an EVP_PKEY, keeps the COSE bytes exactly as given, and its alg is one we know;
//  - cose_key_from_cbor on the decoded map agrees (same alg; see the RSA note below);
//  - check_cose_key agrees with it, success or error, for every input that is not an RSA/OKP key;
//  - no signature made up by the fuzzer verifies: an all-zero signature, the input's own bytes and
//    the EdDSA "identity" signature (R = neutral point, S = 0; valid for any message under a
//    small-order key) are refused over a fixed message, and verification never crashes.
// On failure: an error and no value.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_framing.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/cose.hpp"

namespace core = signet::core;

namespace {

bool known_alg(std::int32_t alg) {
  switch (static_cast<core::cose_alg>(alg)) {
    case core::cose_alg::es256:
    case core::cose_alg::es384:
    case core::cose_alg::es512:
    case core::cose_alg::eddsa:
    case core::cose_alg::ed25519:
    case core::cose_alg::ed448:
    case core::cose_alg::ps256:
    case core::cose_alg::ps384:
    case core::cose_alg::ps512:
    case core::cose_alg::rs256:
    case core::cose_alg::rs384:
    case core::cose_alg::rs512:
    case core::cose_alg::rs1:
      return true;
    default:
      return false;
  }
}

}  // namespace

/// check_cose_key (the "none" registration's check without an import) agrees with parse_cose_key:
/// the same alg, or the same error. Compared for EC2 keys, the one family it checks differently (RSA
/// keys are imported by both, and their modulus check is random, see below).
void check_agrees(core::byte_view in, const boost::system::result<core::public_key>& parsed) {
  const auto decoded = core::cbor::decode_one(in);
  const core::cbor::map* m = decoded && decoded->is_map() ? decoded->as_map() : nullptr;
  const core::cbor::value* kty = m ? core::cbor::find(*m, std::int64_t{1}) : nullptr;
  if (kty && kty->as_int() && *kty->as_int() != 2) return;
  const auto checked = core::check_cose_key(in);
  SIGNET_FUZZ_CHECK(checked.has_value() == parsed.has_value());
  if (parsed) SIGNET_FUZZ_CHECK(*checked == parsed->alg());
  else SIGNET_FUZZ_CHECK(checked.error() == parsed.error());
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const core::byte_view in(data, size);
  const auto r = core::parse_cose_key(in);
  check_agrees(in, r);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }
  const core::public_key& key = *r;
  SIGNET_FUZZ_CHECK(key.get() != nullptr);
  SIGNET_FUZZ_CHECK(known_alg(key.alg()));
  SIGNET_FUZZ_CHECK(key.cose().size() == size && std::equal(key.cose().begin(), key.cose().end(), data));

  const auto decoded = core::cbor::decode_one(in);
  SIGNET_FUZZ_CHECK(decoded.has_value() && decoded->is_map());
  const auto again = core::cose_key_from_cbor(*decoded->as_map(), in);
  // KNOWN ISSUE (reported to core; reproducer tests/vectors/fuzz/known/cose_key/rsa-nondeterministic-check):
  // for RSA, EVP_PKEY_public_check runs OpenSSL's SP 800-56B modulus check, whose Miller-Rabin rounds
  // use random bases, so a made-up modulus is accepted or refused at random (~0.5% refusals for that
  // input). Until core makes RSA validation deterministic, only a successful second parse is compared.
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA)
    SIGNET_FUZZ_CHECK(!again || again->alg() == key.alg());
  else
    SIGNET_FUZZ_CHECK(again.has_value() && again->alg() == key.alg());

  static constexpr std::array<std::uint8_t, 16> message{'s', 'i', 'g', 'n', 'e', 't', '-', 'f',
                                                        'u', 'z', 'z', '-', 'm', 's', 'g', '!'};
  std::array<std::uint8_t, 512> zeros{};
  for (const std::size_t n : {std::size_t{8}, std::size_t{64}, std::size_t{72}, std::size_t{256}, std::size_t{512}})
    SIGNET_FUZZ_CHECK(!core::verify_signature(key, message, core::byte_view(zeros).first(n)));
  SIGNET_FUZZ_CHECK(!core::verify_signature(key, message, in));
  // EdDSA: R = the neutral point, S = 0 verifies every message under a small-order public key
  // ([S]B = R + [k]A holds when A has small order and R is the identity), so such keys must be refused.
  std::array<std::uint8_t, 64> ed25519_identity_sig{};
  ed25519_identity_sig[0] = 0x01;  // encoding of (0, 1)
  std::array<std::uint8_t, 114> ed448_identity_sig{};
  ed448_identity_sig[0] = 0x01;
  SIGNET_FUZZ_CHECK(!core::verify_signature(key, message, ed25519_identity_sig));
  SIGNET_FUZZ_CHECK(!core::verify_signature(key, message, ed448_identity_sig));
  return 0;
}
