// Strict CBOR profile (decoded with libcbor, then copied into this owned value tree).
// Profile: definite lengths only, no tags, no floats/undefined/simple values other than true/false/null,
// integers within int64, text strings valid UTF-8, map keys unique, depth <= limits::cbor_max_depth,
// input <= limits::cbor_max_input. A failed decode returns an error and no partial value.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <type_traits>
#include <variant>
#include <vector>

#include "signet/core/bytes.hpp"

namespace signet::core::cbor {

struct value;
using array = std::vector<value>;
using map = std::vector<std::pair<value, value>>;  // in encoded order
struct null_t {
  friend bool operator==(null_t, null_t) = default;
};

struct value {
  using variant_type = std::variant<std::int64_t, bytes, std::string, array, map, bool, null_t>;
  variant_type v;

  // Declared here and defaulted after the class: `map` holds std::pair<value, value>, and with
  // clang + libstdc++ an implicitly declared default constructor makes pair ask about value while it
  // is still incomplete. A converting constructor keeps `value{x}` working for the seven types.
  value();
  value(const value&);
  value(value&&) noexcept;
  value& operator=(const value&);
  value& operator=(value&&) noexcept;
  ~value();
  template <class T, class = std::enable_if_t<std::is_constructible_v<variant_type, T&&> &&
                                              !std::is_same_v<std::decay_t<T>, value>>>
  value(T&& x) : v(std::forward<T>(x)) {}  // NOLINT(google-explicit-constructor): a value is its alternative

  bool is_int() const noexcept { return std::holds_alternative<std::int64_t>(v); }
  bool is_bytes() const noexcept { return std::holds_alternative<bytes>(v); }
  bool is_text() const noexcept { return std::holds_alternative<std::string>(v); }
  bool is_array() const noexcept { return std::holds_alternative<array>(v); }
  bool is_map() const noexcept { return std::holds_alternative<map>(v); }
  const std::int64_t* as_int() const noexcept { return std::get_if<std::int64_t>(&v); }
  const bytes* as_bytes() const noexcept { return std::get_if<bytes>(&v); }
  const std::string* as_text() const noexcept { return std::get_if<std::string>(&v); }
  const array* as_array() const noexcept { return std::get_if<array>(&v); }
  const map* as_map() const noexcept { return std::get_if<map>(&v); }
};

inline value::value() = default;
inline value::value(const value&) = default;
inline value::value(value&&) noexcept = default;
inline value& value::operator=(const value&) = default;
inline value& value::operator=(value&&) noexcept = default;
inline value::~value() = default;

/// Map lookup by integer key (COSE) or text key (attestation statements); nullptr when absent.
const value* find(const map& m, std::int64_t key) noexcept;
const value* find(const map& m, std::string_view key) noexcept;

struct decoded {
  value item;
  std::size_t consumed = 0;  // bytes of input the item occupied
};

/// Profile switches. Default = the strict profile above.
struct decode_options {
  /// Accept indefinite-length arrays, maps and strings (chunks are joined). Only the attestation
  /// object container uses this: some clients (Yubico's test authenticator, see docs/design.md)
  /// emit it indefinite, and no signature covers that container. Everything signed stays strict.
  bool allow_indefinite_length = false;
};

/// Decodes exactly one item; trailing bytes -> errc::cbor_trailing_bytes.
/// Errors: cbor_truncated, cbor_malformed, cbor_indefinite_length, cbor_tag_not_allowed,
/// cbor_depth_exceeded, cbor_too_large, cbor_duplicate_key, cbor_unsupported_type,
/// cbor_integer_out_of_range, cbor_invalid_utf8. Pure; thread-safe.
boost::system::result<value> decode_one(byte_view in);
boost::system::result<value> decode_one(byte_view in, const decode_options& opts);
/// Decodes the first item and reports how many bytes it used (authenticator data embeds a COSE key
/// followed by extensions, so the caller needs the length without re-encoding).
boost::system::result<decoded> decode_first(byte_view in);
boost::system::result<decoded> decode_first(byte_view in, const decode_options& opts);

}  // namespace signet::core::cbor
