#include "signet/core/errc.hpp"

#include <optional>
#include <string>

namespace signet::core {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::cbor_truncated: return "cbor_truncated";
    case errc::cbor_trailing_bytes: return "cbor_trailing_bytes";
    case errc::cbor_indefinite_length: return "cbor_indefinite_length";
    case errc::cbor_tag_not_allowed: return "cbor_tag_not_allowed";
    case errc::cbor_depth_exceeded: return "cbor_depth_exceeded";
    case errc::cbor_too_large: return "cbor_too_large";
    case errc::cbor_duplicate_key: return "cbor_duplicate_key";
    case errc::cbor_unsupported_type: return "cbor_unsupported_type";
    case errc::cbor_integer_out_of_range: return "cbor_integer_out_of_range";
    case errc::cbor_invalid_utf8: return "cbor_invalid_utf8";
    case errc::cbor_malformed: return "cbor_malformed";
    case errc::cbor_non_canonical: return "cbor_non_canonical";
    case errc::auth_data_too_short: return "auth_data_too_short";
    case errc::auth_data_credential_id_too_long: return "auth_data_credential_id_too_long";
    case errc::auth_data_attested_data_missing: return "auth_data_attested_data_missing";
    case errc::auth_data_attested_data_unexpected: return "auth_data_attested_data_unexpected";
    case errc::auth_data_extensions_missing: return "auth_data_extensions_missing";
    case errc::auth_data_extensions_unexpected: return "auth_data_extensions_unexpected";
    case errc::auth_data_trailing_bytes: return "auth_data_trailing_bytes";
    case errc::auth_data_rp_id_hash_mismatch: return "auth_data_rp_id_hash_mismatch";
    case errc::auth_data_user_not_present: return "auth_data_user_not_present";
    case errc::auth_data_user_not_verified: return "auth_data_user_not_verified";
    case errc::auth_data_backup_state_without_eligible: return "auth_data_backup_state_without_eligible";
    case errc::auth_data_malformed: return "auth_data_malformed";
    case errc::cose_key_malformed: return "cose_key_malformed";
    case errc::cose_key_type_unsupported: return "cose_key_type_unsupported";
    case errc::cose_key_alg_missing: return "cose_key_alg_missing";
    case errc::cose_alg_unsupported: return "cose_alg_unsupported";
    case errc::cose_alg_not_allowed: return "cose_alg_not_allowed";
    case errc::cose_key_invalid_point: return "cose_key_invalid_point";
    case errc::cose_key_invalid_parameters: return "cose_key_invalid_parameters";
    case errc::cose_key_alg_mismatch: return "cose_key_alg_mismatch";
    case errc::signature_invalid: return "signature_invalid";
    case errc::signature_malformed: return "signature_malformed";
    case errc::client_data_malformed: return "client_data_malformed";
    case errc::client_data_type_mismatch: return "client_data_type_mismatch";
    case errc::client_data_challenge_mismatch: return "client_data_challenge_mismatch";
    case errc::client_data_origin_mismatch: return "client_data_origin_mismatch";
    case errc::client_data_cross_origin_not_allowed: return "client_data_cross_origin_not_allowed";
    case errc::client_data_top_origin_mismatch: return "client_data_top_origin_mismatch";
    case errc::client_data_token_binding_invalid: return "client_data_token_binding_invalid";
    case errc::client_data_payment_mismatch: return "client_data_payment_mismatch";
    case errc::response_malformed: return "response_malformed";
    case errc::response_type_invalid: return "response_type_invalid";
    case errc::response_id_mismatch: return "response_id_mismatch";
    case errc::response_encoding_invalid: return "response_encoding_invalid";
    case errc::attestation_object_malformed: return "attestation_object_malformed";
    case errc::attestation_format_unsupported: return "attestation_format_unsupported";
    case errc::attestation_statement_malformed: return "attestation_statement_malformed";
    case errc::attestation_signature_invalid: return "attestation_signature_invalid";
    case errc::attestation_alg_mismatch: return "attestation_alg_mismatch";
    case errc::attestation_alg_not_allowed: return "attestation_alg_not_allowed";
    case errc::attestation_certificate_invalid: return "attestation_certificate_invalid";
    case errc::attestation_certificate_requirements: return "attestation_certificate_requirements";
    case errc::attestation_aaguid_mismatch: return "attestation_aaguid_mismatch";
    case errc::attestation_chain_untrusted: return "attestation_chain_untrusted";
    case errc::attestation_certificate_expired: return "attestation_certificate_expired";
    case errc::attestation_trust_required: return "attestation_trust_required";
    case errc::attestation_none_statement_not_empty: return "attestation_none_statement_not_empty";
    case errc::attestation_revocation_unchecked: return "attestation_revocation_unchecked";
    case errc::attestation_packed_invalid: return "attestation_packed_invalid";
    case errc::attestation_fido_u2f_invalid: return "attestation_fido_u2f_invalid";
    case errc::attestation_tpm_invalid: return "attestation_tpm_invalid";
    case errc::attestation_android_key_invalid: return "attestation_android_key_invalid";
    case errc::attestation_android_safetynet_invalid: return "attestation_android_safetynet_invalid";
    case errc::attestation_apple_invalid: return "attestation_apple_invalid";
    case errc::ceremony_expired: return "ceremony_expired";
    case errc::ceremony_credential_mismatch: return "ceremony_credential_mismatch";
    case errc::ceremony_user_handle_mismatch: return "ceremony_user_handle_mismatch";
    case errc::ceremony_credential_not_allowed: return "ceremony_credential_not_allowed";
    case errc::ceremony_sign_count_not_increased: return "ceremony_sign_count_not_increased";
    case errc::ceremony_options_invalid: return "ceremony_options_invalid";
    case errc::ceremony_rp_id_mismatch: return "ceremony_rp_id_mismatch";
    case errc::policy_backup_eligible_rejected: return "policy_backup_eligible_rejected";
    case errc::policy_sha1_not_allowed: return "policy_sha1_not_allowed";
    case errc::policy_attestation_type_not_allowed: return "policy_attestation_type_not_allowed";
  }
  return "unknown";
}

namespace {

// Maps each code to one of the few conditions the api layer turns into a status. Kept as a switch
// (no default) so that -Wswitch flags a new code without a condition.
std::optional<condition> condition_of(errc e) noexcept {
  switch (e) {
    case errc::ok:
      return std::nullopt;
    case errc::cbor_truncated:
    case errc::cbor_trailing_bytes:
    case errc::cbor_indefinite_length:
    case errc::cbor_tag_not_allowed:
    case errc::cbor_depth_exceeded:
    case errc::cbor_too_large:
    case errc::cbor_duplicate_key:
    case errc::cbor_unsupported_type:
    case errc::cbor_integer_out_of_range:
    case errc::cbor_invalid_utf8:
    case errc::cbor_malformed:
    case errc::cbor_non_canonical:
    case errc::auth_data_too_short:
    case errc::auth_data_credential_id_too_long:
    case errc::auth_data_attested_data_missing:
    case errc::auth_data_attested_data_unexpected:
    case errc::auth_data_extensions_missing:
    case errc::auth_data_extensions_unexpected:
    case errc::auth_data_trailing_bytes:
    case errc::auth_data_malformed:
    case errc::cose_key_malformed:
    case errc::cose_key_alg_missing:
    case errc::signature_malformed:
    case errc::client_data_malformed:
    case errc::response_malformed:
    case errc::response_type_invalid:
    case errc::response_id_mismatch:
    case errc::response_encoding_invalid:
    case errc::attestation_object_malformed:
    case errc::attestation_statement_malformed:
    case errc::ceremony_options_invalid:
      return condition::bad_request;
    case errc::auth_data_rp_id_hash_mismatch:
    case errc::auth_data_user_not_present:
    case errc::auth_data_user_not_verified:
    case errc::auth_data_backup_state_without_eligible:
    case errc::cose_key_invalid_point:
    case errc::cose_key_invalid_parameters:
    case errc::cose_key_alg_mismatch:
    case errc::signature_invalid:
    case errc::client_data_type_mismatch:
    case errc::client_data_challenge_mismatch:
    case errc::client_data_origin_mismatch:
    case errc::client_data_top_origin_mismatch:
    case errc::client_data_token_binding_invalid:
    case errc::client_data_payment_mismatch:
    case errc::attestation_signature_invalid:
    case errc::attestation_alg_mismatch:
    case errc::attestation_certificate_invalid:
    case errc::attestation_certificate_requirements:
    case errc::attestation_aaguid_mismatch:
    case errc::attestation_chain_untrusted:
    case errc::attestation_certificate_expired:
    case errc::attestation_none_statement_not_empty:
    case errc::attestation_packed_invalid:
    case errc::attestation_fido_u2f_invalid:
    case errc::attestation_tpm_invalid:
    case errc::attestation_android_key_invalid:
    case errc::attestation_android_safetynet_invalid:
    case errc::attestation_apple_invalid:
      return condition::verification_failed;
    case errc::cose_key_type_unsupported:
    case errc::cose_alg_unsupported:
    case errc::cose_alg_not_allowed:
    case errc::client_data_cross_origin_not_allowed:
    case errc::attestation_format_unsupported:
    case errc::attestation_alg_not_allowed:
    case errc::attestation_trust_required:
    case errc::attestation_revocation_unchecked:
    case errc::policy_backup_eligible_rejected:
    case errc::policy_sha1_not_allowed:
    case errc::policy_attestation_type_not_allowed:
      return condition::policy_rejected;
    case errc::ceremony_expired:
    case errc::ceremony_credential_mismatch:
    case errc::ceremony_user_handle_mismatch:
    case errc::ceremony_credential_not_allowed:
    case errc::ceremony_sign_count_not_increased:
    case errc::ceremony_rp_id_mismatch:
      return condition::ceremony_invalid;
  }
  return std::nullopt;
}

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// static singletons never deleted through a base pointer); -Wnon-virtual-dtor does not know that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class core_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "signet.core"; }
  std::string message(int ev) const override { return std::string(to_string(static_cast<errc>(ev))); }
  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    if (auto c = condition_of(static_cast<errc>(ev))) return make_error_condition(*c);
    return {ev, *this};
  }
};

class core_condition_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "signet.core.condition"; }
  std::string message(int ev) const override {
    switch (static_cast<condition>(ev)) {
      case condition::bad_request: return "bad_request";
      case condition::ceremony_invalid: return "ceremony_invalid";
      case condition::verification_failed: return "verification_failed";
      case condition::policy_rejected: return "policy_rejected";
    }
    return "unknown";
  }
};

#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& core_category() noexcept {
  static const core_category_impl instance;
  return instance;
}

const boost::system::error_category& core_condition_category() noexcept {
  static const core_condition_category_impl instance;
  return instance;
}

}  // namespace signet::core
