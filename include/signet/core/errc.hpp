// Error codes of the core (WebAuthn verification) layer.
// Every input-dependent failure of core returns one of these through boost::system::result.
// Values are fine-grained and named by area; each maps to one of the few conditions in `condition`.
// Helpers may ADD codes (keep areas grouped); never renumber or remove one.
#pragma once

#include <boost/system/error_code.hpp>
#include <string_view>
#include <type_traits>

namespace signet::core {

enum class errc : int {
  ok = 0,
  // cbor_…: the strict CBOR profile
  cbor_truncated = 100,
  cbor_trailing_bytes,
  cbor_indefinite_length,
  cbor_tag_not_allowed,
  cbor_depth_exceeded,
  cbor_too_large,
  cbor_duplicate_key,
  cbor_unsupported_type,
  cbor_integer_out_of_range,
  cbor_invalid_utf8,
  cbor_malformed,
  cbor_non_canonical,
  // auth_data_…: authenticator data
  auth_data_too_short = 200,
  auth_data_credential_id_too_long,
  auth_data_attested_data_missing,
  auth_data_attested_data_unexpected,
  auth_data_extensions_missing,
  auth_data_extensions_unexpected,
  auth_data_trailing_bytes,
  auth_data_rp_id_hash_mismatch,
  auth_data_user_not_present,
  auth_data_user_not_verified,
  auth_data_backup_state_without_eligible,
  auth_data_malformed,
  // cose_…: COSE keys and signatures
  cose_key_malformed = 300,
  cose_key_type_unsupported,
  cose_key_alg_missing,
  cose_alg_unsupported,
  cose_alg_not_allowed,
  cose_key_invalid_point,
  cose_key_invalid_parameters,
  cose_key_alg_mismatch,
  signature_invalid,
  signature_malformed,
  // client_data_…: clientDataJSON
  client_data_malformed = 400,
  client_data_type_mismatch,
  client_data_challenge_mismatch,
  client_data_origin_mismatch,
  client_data_cross_origin_not_allowed,
  client_data_top_origin_mismatch,
  client_data_token_binding_invalid,
  client_data_payment_mismatch,
  // response_…: RegistrationResponseJSON / AuthenticationResponseJSON
  response_malformed = 500,
  response_type_invalid,
  response_id_mismatch,
  response_encoding_invalid,
  // attestation_…: attestation objects and statements
  attestation_object_malformed = 600,
  attestation_format_unsupported,
  attestation_statement_malformed,
  attestation_signature_invalid,
  attestation_alg_mismatch,
  attestation_alg_not_allowed,
  attestation_certificate_invalid,
  attestation_certificate_requirements,
  attestation_aaguid_mismatch,
  attestation_chain_untrusted,
  attestation_certificate_expired,
  attestation_trust_required,
  attestation_none_statement_not_empty,
  attestation_revocation_unchecked,
  attestation_packed_invalid = 650,
  attestation_fido_u2f_invalid,
  attestation_tpm_invalid,
  attestation_android_key_invalid,
  attestation_android_safetynet_invalid,
  attestation_apple_invalid,
  // ceremony_…: per-ceremony state and stored credentials
  ceremony_expired = 700,
  ceremony_credential_mismatch,
  ceremony_user_handle_mismatch,
  ceremony_credential_not_allowed,
  ceremony_sign_count_not_increased,
  ceremony_options_invalid,
  ceremony_rp_id_mismatch,
  // policy_…: relying-party policy refusals
  policy_backup_eligible_rejected = 800,
  policy_sha1_not_allowed,
  policy_attestation_type_not_allowed,
};

/// The few conditions codes fall into; the api layer maps these to HTTP statuses.
enum class condition : int {
  bad_request = 1,
  ceremony_invalid,
  verification_failed,
  policy_rejected,
};

const boost::system::error_category& core_category() noexcept;
const boost::system::error_category& core_condition_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), core_category()};
}
inline boost::system::error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), core_condition_category()};
}

/// Stable snake_case name of a code, e.g. "cbor_trailing_bytes" (used by `signet verify` and logs).
std::string_view to_string(errc e) noexcept;

}  // namespace signet::core

namespace boost::system {
template <>
struct is_error_code_enum<signet::core::errc> : std::true_type {};
template <>
struct is_error_condition_enum<signet::core::condition> : std::true_type {};
}  // namespace boost::system
