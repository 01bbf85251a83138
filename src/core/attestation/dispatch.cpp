// The explicit fmt -> verifier table (craft.md "Attestation"). WebAuthn L3 §7.1 step 21 looks the
// format up here; an unknown fmt is refused by the caller with errc::attestation_format_unsupported.
#include <array>
#include <string_view>

#include "attestation/formats.hpp"

namespace signet::core {

namespace {

struct entry {
  std::string_view fmt;
  attestation_verifier verify;
};

// IANA "WebAuthn Attestation Statement Format Identifiers" registry names.
constexpr std::array k_table{
    entry{"none", &verify_none},
    entry{"packed", &verify_packed},
    entry{"fido-u2f", &verify_fido_u2f},
    entry{"tpm", &verify_tpm},
    entry{"android-key", &verify_android_key},
    entry{"android-safetynet", &verify_android_safetynet},
    entry{"apple", &verify_apple},
};

}  // namespace

attestation_verifier find_attestation_verifier(std::string_view fmt) noexcept {
  for (const auto& e : k_table)
    if (e.fmt == fmt) return e.verify;
  return nullptr;
}

std::string_view to_string(attestation_type t) noexcept {
  switch (t) {
    case attestation_type::none: return "none";
    case attestation_type::self: return "self";
    case attestation_type::basic: return "basic";
    case attestation_type::attca: return "attca";
    case attestation_type::anonca: return "anonca";
    case attestation_type::uncertain: return "uncertain";
  }
  return "uncertain";
}

}  // namespace signet::core
