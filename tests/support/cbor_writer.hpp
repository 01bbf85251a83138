// A tiny definite-length CBOR encoder for building test inputs (tests only; core never encodes).
#pragma once

#include <cstdint>
#include <string_view>

#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"

namespace signet::test {

class cbor_writer {
 public:
  cbor_writer& uint(std::uint64_t v) { return head(0, v); }
  cbor_writer& integer(std::int64_t v) {
    return v >= 0 ? head(0, static_cast<std::uint64_t>(v)) : head(1, static_cast<std::uint64_t>(-1 - v));
  }
  cbor_writer& bytes(core::byte_view b) {
    head(2, b.size());
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  cbor_writer& text(std::string_view s) {
    head(3, s.size());
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  cbor_writer& array(std::size_t n) { return head(4, n); }
  cbor_writer& map(std::size_t n) { return head(5, n); }
  cbor_writer& boolean(bool b) {
    out_.push_back(b ? 0xf5 : 0xf4);
    return *this;
  }
  cbor_writer& raw(core::byte_view b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  /// Re-encodes a decoded value (definite lengths, members in their decoded order).
  cbor_writer& value(const core::cbor::value& v) {
    if (auto i = v.as_int()) return integer(*i);
    if (auto b = v.as_bytes()) return bytes(*b);
    if (auto t = v.as_text()) return text(*t);
    if (auto a = v.as_array()) {
      array(a->size());
      for (const auto& x : *a) value(x);
      return *this;
    }
    if (auto m = v.as_map()) {
      map(m->size());
      for (const auto& [k, x] : *m) value(k).value(x);
      return *this;
    }
    if (auto b = std::get_if<bool>(&v.v)) return boolean(*b);
    out_.push_back(0xf6);  // null
    return *this;
  }
  const core::bytes& data() const { return out_; }
  core::bytes take() { return std::move(out_); }

 private:
  cbor_writer& head(std::uint8_t major, std::uint64_t v) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    if (v < 24) {
      out_.push_back(static_cast<std::uint8_t>(m | v));
    } else if (v <= 0xff) {
      out_.push_back(m | 24);
      out_.push_back(static_cast<std::uint8_t>(v));
    } else if (v <= 0xffff) {
      out_.push_back(m | 25);
      for (int s = 8; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
    } else if (v <= 0xffffffff) {
      out_.push_back(m | 26);
      for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
    } else {
      out_.push_back(m | 27);
      for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
    }
    return *this;
  }
  core::bytes out_;
};

}  // namespace signet::test
