// Test-only software authenticator: mints validly signed registrations (none, packed self, packed
// x5c with a generated test CA, fido-u2f) and assertions, with knobs that break exactly one thing.
// Never linked into production targets.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/authenticator_data.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/cose.hpp"

namespace signet::test {

using core::byte_view;
using core::bytes;

struct x509_free_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using x509_handle = std::unique_ptr<X509, x509_free_deleter>;

/// A signing key with its COSE algorithm. ECDSA signatures come out DER-encoded (as WebAuthn wants).
class key_pair {
 public:
  /// ES256/384/512, EdDSA (Ed25519), Ed448 (-53), RS256/PS256 (2048-bit). Aborts the test on failure.
  static key_pair generate(std::int32_t alg);
  std::int32_t alg() const noexcept { return alg_; }
  EVP_PKEY* get() const noexcept { return key_.get(); }
  /// COSE_Key of the public half (kty/alg/crv/x/y or n/e), canonical CTAP2 key order.
  bytes cose_public_key() const;
  /// Signs with this key's algorithm (or `alg_override`'s hash for RSA/EC).
  bytes sign(byte_view data) const;

 private:
  key_pair(core::evp_pkey_ptr k, std::int32_t alg) : key_(std::move(k)), alg_(alg) {}
  std::shared_ptr<EVP_PKEY> key_;
  std::int32_t alg_;
};

/// A throw-away certificate authority (EC P-256) for packed/fido-u2f x5c chains.
class test_ca {
 public:
  static test_ca create(const std::string& common_name, std::chrono::system_clock::time_point not_before,
                        std::chrono::system_clock::time_point not_after);
  X509* cert() const noexcept { return cert_.get(); }
  std::shared_ptr<X509> shared_cert() const;  // for trust_source implementations

  struct leaf_options {
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    std::optional<core::aaguid> aaguid_extension;  // id-fido-gen-ce-aaguid
    std::string organizational_unit = "Authenticator Attestation";
    bool ca = false;
  };
  /// Issues an attestation certificate for `subject`'s public key meeting §8.2.1 unless told otherwise.
  x509_handle issue(const key_pair& subject, const leaf_options& opt) const;

 private:
  std::shared_ptr<X509> cert_;
  std::shared_ptr<key_pair> key_;
};

bytes to_der(X509* cert);

enum class attestation_mode { none, packed_self, packed_x5c, fido_u2f };

/// Everything a registration can be made to say. Defaults produce a valid response for
/// rp "example.com", origin "https://example.com", flags UP|UV|AT.
struct registration_knobs {
  std::string rp_id = "example.com";          // hashed into rpIdHash
  std::string origin = "https://example.com";
  std::string type = "webauthn.create";
  std::string challenge;                        // clientDataJSON.challenge (base64url)
  std::optional<bool> cross_origin;
  std::optional<std::string> top_origin;
  std::uint8_t flags = core::flags::up | core::flags::uv | core::flags::at;
  std::uint32_t sign_count = 0;
  std::size_t credential_id_length = 32;
  attestation_mode mode = attestation_mode::none;
  std::string fmt;                              // overrides the format name when non-empty
  std::optional<std::int32_t> statement_alg;    // packed attStmt.alg override
  bool corrupt_signature = false;               // flip one bit of attStmt.sig
  const test_ca* ca = nullptr;                  // for packed_x5c / fido_u2f
  test_ca::leaf_options leaf;                   // for packed_x5c / fido_u2f
  bool include_root_in_x5c = false;
};

struct minted_registration {
  core::registration_response response;
  std::string json;           // RegistrationResponseJSON text
  bytes auth_data;            // as embedded in the attestation object
  bytes credential_id;
  bytes cose_key;
};

struct assertion_knobs {
  std::string rp_id = "example.com";
  std::string origin = "https://example.com";
  std::string type = "webauthn.get";
  std::string challenge;
  std::uint8_t flags = core::flags::up | core::flags::uv;
  std::uint32_t sign_count = 1;
  std::optional<bytes> user_handle;
  bool corrupt_signature = false;
  /// Secure Payment Confirmation: a JSON object text put into clientDataJSON as `payment`.
  std::optional<std::string> payment_json;
};

struct minted_assertion {
  core::authentication_response response;
  std::string json;
};

class soft_authenticator {
 public:
  explicit soft_authenticator(std::int32_t alg = static_cast<std::int32_t>(core::cose_alg::es256));

  /// A registration as the browser would POST it. The credential key and id are remembered for
  /// later assertions (the id is regenerated only when the length knob changes).
  minted_registration make_registration(const registration_knobs& k);
  minted_assertion make_assertion(const assertion_knobs& k) const;

  const bytes& credential_id() const noexcept { return credential_id_; }
  bytes cose_public_key() const { return key_.cose_public_key(); }
  const key_pair& key() const noexcept { return key_; }

 private:
  key_pair key_;
  bytes credential_id_;
};

/// The AAGUID the soft authenticator reports.
core::aaguid soft_aaguid();

/// Helpers to build byte strings for negative tests.
std::string client_data_json(const std::string& type, const std::string& challenge, const std::string& origin,
                             std::optional<bool> cross_origin = std::nullopt,
                             std::optional<std::string> top_origin = std::nullopt);
bytes sha256(byte_view data);
/// authenticatorData = rpIdHash ‖ flags ‖ signCount ‖ [aaguid ‖ len ‖ credId ‖ key].
bytes make_auth_data(const std::string& rp_id, std::uint8_t flags, std::uint32_t sign_count,
                     const core::aaguid* aaguid = nullptr, byte_view credential_id = {}, byte_view cose_key = {});
/// Attestation object {fmt, attStmt (pre-encoded map), authData} with definite lengths.
bytes make_attestation_object(const std::string& fmt, byte_view att_stmt_map, byte_view auth_data);
/// Serialises a response as RegistrationResponseJSON / AuthenticationResponseJSON.
std::string registration_json(const core::registration_response& r);
std::string authentication_json(const core::authentication_response& r);

}  // namespace signet::test
