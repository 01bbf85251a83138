// Size and depth limits of the core parsers, in one place (craft.md: "Limits live in limits.hpp").
#pragma once

#include <cstddef>

namespace signet::core::limits {

/// Largest CBOR input we decode (attestation objects with a TPM/x5c chain stay well below this).
inline constexpr std::size_t cbor_max_input = 64 * 1024;
/// Deepest nesting of arrays/maps (COSE keys are depth 1, attestation objects depth 3).
inline constexpr std::size_t cbor_max_depth = 16;
/// Most items in one array or map.
inline constexpr std::size_t cbor_max_items = 1024;
/// WebAuthn L3 §5.8.3: credential ids are at most 1023 bytes.
inline constexpr std::size_t credential_id_max = 1023;
/// rpIdHash(32) + flags(1) + signCount(4).
inline constexpr std::size_t auth_data_min = 37;
/// Largest clientDataJSON we parse.
inline constexpr std::size_t client_data_max = 16 * 1024;
/// Largest response JSON text we parse (browser POST body).
inline constexpr std::size_t response_json_max = 128 * 1024;
/// x5c chains longer than this are refused.
inline constexpr std::size_t x5c_max_certificates = 8;

}  // namespace signet::core::limits
