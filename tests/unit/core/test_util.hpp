// Small helpers shared by the core unit tests.
#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "signet/core/bytes.hpp"
#include "signet/core/errc.hpp"

namespace signet::test {

inline core::bytes from_hex(std::string_view h) {
  core::bytes out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int hi = -1;
  for (char c : h) {
    const int n = nib(c);
    if (n < 0) continue;  // allow spaces
    if (hi < 0) {
      hi = n;
    } else {
      out.push_back(static_cast<core::byte>(hi * 16 + n));
      hi = -1;
    }
  }
  return out;
}

/// The errc of a result, or errc::ok on success.
template <class T>
core::errc code_of(const boost::system::result<T>& r) {
  if (r) return core::errc::ok;
  return static_cast<core::errc>(r.error().value());
}

inline std::string name(core::errc e) { return std::string(core::to_string(e)); }

}  // namespace signet::test
