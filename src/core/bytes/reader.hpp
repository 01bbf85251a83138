// byte_reader: the one bounds-checked cursor all binary parsing goes through (craft.md "Parsing").
// Every read either succeeds completely or returns false/nullopt and leaves the cursor unchanged.
#pragma once

#include <cstdint>
#include <optional>

#include "signet/core/bytes.hpp"

namespace signet::core {

class byte_reader {
 public:
  explicit byte_reader(byte_view in) noexcept : in_(in) {}

  std::size_t remaining() const noexcept { return in_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  byte_view rest() const noexcept { return in_.subspan(pos_); }

  std::optional<byte_view> take(std::size_t n) noexcept {
    if (n > remaining()) return std::nullopt;
    byte_view out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  bool skip(std::size_t n) noexcept { return take(n).has_value(); }
  std::optional<std::uint8_t> u8() noexcept {
    auto b = take(1);
    if (!b) return std::nullopt;
    return (*b)[0];
  }
  /// Big-endian (network order) integers, as authenticator data and TPM structures use.
  std::optional<std::uint16_t> u16be() noexcept {
    auto b = take(2);
    if (!b) return std::nullopt;
    return static_cast<std::uint16_t>(((*b)[0] << 8) | (*b)[1]);
  }
  std::optional<std::uint32_t> u32be() noexcept {
    auto b = take(4);
    if (!b) return std::nullopt;
    return (std::uint32_t{(*b)[0]} << 24) | (std::uint32_t{(*b)[1]} << 16) | (std::uint32_t{(*b)[2]} << 8) |
           std::uint32_t{(*b)[3]};
  }
  std::optional<std::uint64_t> u64be() noexcept {
    auto b = take(8);
    if (!b) return std::nullopt;
    std::uint64_t v = 0;
    for (byte x : *b) v = (v << 8) | x;
    return v;
  }

 private:
  byte_view in_;
  std::size_t pos_ = 0;
};

}  // namespace signet::core
