// Shared pieces of the fuzz harnesses: the invariant check macro, input framing constants, and
// reference helpers (CBOR value equality, a minimal CBOR encoder, a UTF-8 validator) that the
// harnesses use to re-check what the parsers return. Written independently of src/core on purpose:
// a harness that reused the parser's own helpers would share its bugs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/errc.hpp"

/// An invariant a harness asserts. On violation: message on stderr and abort(), which libFuzzer
/// records as a crash together with the input (crash-<sha1>).
#define SIGNET_FUZZ_CHECK(cond)                                                                   \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (false)

namespace signet::fuzz {

// fuzz_attestation_object input: [flags byte][32-byte clientDataHash][attestationObject].
inline constexpr std::uint8_t att_flag_ignore_validity = 0x01;  // policy.danger_ignore_certificate_validity
inline constexpr std::uint8_t att_flag_allow_sha1 = 0x02;       // policy.allow_sha1_attestation
inline constexpr std::uint8_t att_flag_skip_timestamp = 0x04;   // policy.danger_safetynet_skip_timestamp
inline constexpr std::uint8_t att_flag_no_cts = 0x08;           // policy.safetynet_require_cts = false
// fuzz_finish_registration input: [flags byte][rp id]\n[RegistrationResponseJSON]; flags are the
// att_flag_* above plus:
inline constexpr std::uint8_t reg_flag_uv_optional = 0x10;  // ceremony UV "preferred", policy UV off
// fuzz_finish_authentication input: [flags byte][rp id]\n[COSE_Key base64url]\n[AuthenticationResponseJSON].
inline constexpr std::uint8_t auth_flag_uv_optional = 0x01;   // ceremony UV "preferred", policy UV off
inline constexpr std::uint8_t auth_flag_discoverable = 0x02;  // no user identified before the ceremony

/// Deep structural equality of two decoded CBOR values (maps compared in encoded order).
inline bool equal(const core::cbor::value& a, const core::cbor::value& b);

inline bool equal(const core::cbor::array& a, const core::cbor::array& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i], b[i])) return false;
  return true;
}

inline bool equal(const core::cbor::map& a, const core::cbor::map& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i].first, b[i].first) || !equal(a[i].second, b[i].second)) return false;
  return true;
}

inline bool equal(const core::cbor::value& a, const core::cbor::value& b) {
  if (a.v.index() != b.v.index()) return false;
  if (const auto* x = a.as_array()) return equal(*x, *b.as_array());
  if (const auto* x = a.as_map()) return equal(*x, *b.as_map());
  if (const auto* x = a.as_int()) return *x == *b.as_int();
  if (const auto* x = a.as_bytes()) return *x == *b.as_bytes();
  if (const auto* x = a.as_text()) return *x == *b.as_text();
  if (const auto* x = std::get_if<bool>(&a.v)) return *x == std::get<bool>(b.v);
  return true;  // null
}

/// Minimal-length definite CBOR encoding of a value (RFC 8949 §4.2.1 preferred serialization; map
/// entries kept in their decoded order).
inline void encode_head(core::bytes& out, std::uint8_t major, std::uint64_t arg) {
  const auto mt = static_cast<std::uint8_t>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<std::uint8_t>(mt | arg));
    return;
  }
  int n = 8;
  std::uint8_t ai = 27;
  if (arg <= 0xff) {
    n = 1;
    ai = 24;
  } else if (arg <= 0xffff) {
    n = 2;
    ai = 25;
  } else if (arg <= 0xffffffffULL) {
    n = 4;
    ai = 26;
  }
  out.push_back(static_cast<std::uint8_t>(mt | ai));
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(arg >> (8 * i)));
}

inline void encode(core::bytes& out, const core::cbor::value& v) {
  if (const auto* i = v.as_int()) {
    if (*i >= 0)
      encode_head(out, 0, static_cast<std::uint64_t>(*i));
    else
      encode_head(out, 1, static_cast<std::uint64_t>(-(*i + 1)));
  } else if (const auto* b = v.as_bytes()) {
    encode_head(out, 2, b->size());
    out.insert(out.end(), b->begin(), b->end());
  } else if (const auto* t = v.as_text()) {
    encode_head(out, 3, t->size());
    out.insert(out.end(), t->begin(), t->end());
  } else if (const auto* a = v.as_array()) {
    encode_head(out, 4, a->size());
    for (const auto& e : *a) encode(out, e);
  } else if (const auto* m = v.as_map()) {
    encode_head(out, 5, m->size());
    for (const auto& [k, e] : *m) {
      encode(out, k);
      encode(out, e);
    }
  } else if (const auto* f = std::get_if<bool>(&v.v)) {
    out.push_back(*f ? 0xf5 : 0xf4);
  } else {
    out.push_back(0xf6);  // null
  }
}

/// Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // continuation bytes missing
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace signet::fuzz
