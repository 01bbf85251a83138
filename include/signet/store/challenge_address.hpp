// Challenges that carry their own expiry. The ids and challenge bytes Signet mints start with the
// challenge's expiry (milliseconds since the Unix epoch, 48 bits, big-endian); everything after it is
// random. A store may use that prefix to find a challenge without an index of its own (the SQLite
// store keeps its challenges in expiry order and looks in that millisecond's range), and must still
// find challenges whose id or bytes do not carry it (created by older versions, or by callers that
// choose their own ids): the prefix is a hint for finding, never trusted for anything else.
//
// Id layout (a lowercase RFC 9562 version-4 UUID): bytes 0–5 the expiry, byte 6 = 0x4_ (version),
// byte 8 = 0b10______ (variant), the other 74 bits random. Challenge bytes: bytes 0–5 the expiry,
// the rest (26 of the 32) random: 208 bits, well above WebAuthn's 16-byte minimum.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "signet/core/bytes.hpp"

namespace signet::store::challenge_address {

inline constexpr std::size_t prefix_size = 6;

/// Milliseconds since the epoch as the store keys them (times before the epoch count as 0).
template <class TimePoint>
std::int64_t expiry_ms(TimePoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms < 0 ? 0 : static_cast<std::int64_t>(ms);
}

/// Writes the 48-bit expiry into out[0..6).
inline void write_prefix(std::int64_t ms, std::span<core::byte> out) {
  for (std::size_t i = 0; i < prefix_size; ++i)
    out[i] = static_cast<core::byte>((static_cast<std::uint64_t>(ms) >> (8 * (prefix_size - 1 - i))) & 0xFF);
}

inline std::int64_t read_prefix(std::span<const core::byte> in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < prefix_size; ++i) v = (v << 8) | in[i];
  return static_cast<std::int64_t>(v);
}

/// The expiry a challenge's bytes carry; nullopt when they are too short to carry one.
inline std::optional<std::int64_t> of_value(std::span<const core::byte> value) {
  if (value.size() < prefix_size) return std::nullopt;
  return read_prefix(value);
}

/// The expiry an id carries: the 48 bits of its first 12 hex digits (the form "hhhhhhhh-hhhh-…");
/// nullopt when the id does not start that way.
inline std::optional<std::int64_t> of_id(std::string_view id) {
  if (id.size() < 13 || id[8] != '-') return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    if (i == 8) continue;
    const char c = id[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace signet::store::challenge_address
