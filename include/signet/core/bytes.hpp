// Byte containers, strong byte/string types and base64url for the whole project.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signet::core {

using byte = std::uint8_t;
using bytes = std::vector<byte>;
using byte_view = std::span<const byte>;

inline byte_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const byte*>(s.data()), s.size()};
}
inline std::string_view as_chars(byte_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// base64url without padding (RFC 4648 §5), as WebAuthn JSON uses it.
std::string base64url_encode(byte_view in);
/// Accepts base64url with or without '=' padding. Returns nullopt on any character outside the
/// alphabet, a bad length (len % 4 == 1), misplaced padding or non-zero trailing bits.
std::optional<bytes> base64url_decode(std::string_view in);
/// Standard base64 (RFC 4648 §4) with padding, for PEM bodies and the like.
std::string base64_encode(byte_view in);
/// Standard base64; padding optional; rejects characters outside the alphabet.
std::optional<bytes> base64_decode(std::string_view in);
/// Lowercase hex.
std::string hex_encode(byte_view in);

/// A byte string with a meaning. Tag makes credential ids, user handles and challenges distinct types.
template <class Tag>
class strong_bytes {
 public:
  strong_bytes() = default;
  explicit strong_bytes(bytes v) : value_(std::move(v)) {}
  explicit strong_bytes(byte_view v) : value_(v.begin(), v.end()) {}

  const bytes& value() const noexcept { return value_; }
  byte_view view() const noexcept { return value_; }
  std::size_t size() const noexcept { return value_.size(); }
  bool empty() const noexcept { return value_.empty(); }
  std::string to_base64url() const { return base64url_encode(value_); }

  friend bool operator==(const strong_bytes&, const strong_bytes&) = default;
  friend auto operator<=>(const strong_bytes&, const strong_bytes&) = default;

 private:
  bytes value_;
};

/// A string with a meaning (rp id, origin).
template <class Tag>
class strong_string {
 public:
  strong_string() = default;
  explicit strong_string(std::string v) : value_(std::move(v)) {}
  const std::string& value() const noexcept { return value_; }
  friend bool operator==(const strong_string&, const strong_string&) = default;
  friend auto operator<=>(const strong_string&, const strong_string&) = default;

 private:
  std::string value_;
};

struct credential_id_tag;
struct user_handle_tag;
struct challenge_tag;
struct rp_id_tag;
struct origin_tag;

using credential_id = strong_bytes<credential_id_tag>;
using user_handle = strong_bytes<user_handle_tag>;
using challenge = strong_bytes<challenge_tag>;
using rp_id = strong_string<rp_id_tag>;
using origin = strong_string<origin_tag>;

/// Authenticator attestation GUID (16 bytes).
struct aaguid {
  std::array<byte, 16> value{};
  /// Lowercase dashed UUID form, e.g. "fbfc3007-154e-4ecc-8c0b-6e020557d7bd".
  std::string to_string() const;
  bool is_zero() const noexcept;
  friend bool operator==(const aaguid&, const aaguid&) = default;
};

}  // namespace signet::core
