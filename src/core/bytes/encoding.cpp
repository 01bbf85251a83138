#include "signet/core/bytes.hpp"

#include <algorithm>

namespace signet::core {
namespace {

constexpr char k_url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char k_std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(byte_view in, const char* alphabet, bool pad) {
  const std::size_t full = in.size() / 3;
  const std::size_t rest = in.size() - full * 3;
  std::string out(full * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1), '\0');
  char* o = out.data();
  const byte* p = in.data();
  for (std::size_t g = 0; g < full; ++g, p += 3, o += 4) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
  }
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{p[0]} << 16;
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    if (pad) o[2] = o[3] = '=';
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8);
    o[0] = alphabet[(v >> 18) & 63];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    if (pad) o[3] = '=';
  }
  return out;
}

/// Sextet of each character, 0xFF for characters outside the alphabet.
struct decode_table {
  std::uint8_t v[256];
  constexpr explicit decode_table(const char* alphabet) : v{} {
    for (auto& x : v) x = 0xFF;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
};
constexpr decode_table k_url_table(k_url_alphabet);
constexpr decode_table k_std_table(k_std_alphabet);

std::optional<bytes> decode(std::string_view in, bool url) {
  // Strip up to two '=' of padding; when present the padded length must be a multiple of 4.
  std::size_t len = in.size();
  std::size_t pads = 0;
  while (len > 0 && in[len - 1] == '=' && pads < 2) {
    --len;
    ++pads;
  }
  if (pads > 0 && in.size() % 4 != 0) return std::nullopt;
  if (len % 4 == 1) return std::nullopt;
  const std::uint8_t* t = url ? k_url_table.v : k_std_table.v;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t full = len / 4;
  const std::size_t tail = len % 4;  // 0, 2 or 3 characters
  bytes out(full * 3 + (tail == 0 ? 0 : tail - 1));
  byte* o = out.data();
  for (std::size_t g = 0; g < full; ++g, s += 4, o += 3) {
    const std::uint32_t a = t[s[0]], b = t[s[1]], c = t[s[2]], d = t[s[3]];
    if ((a | b | c | d) & 0x80) return std::nullopt;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<byte>(v >> 16);
    o[1] = static_cast<byte>(v >> 8);
    o[2] = static_cast<byte>(v);
  }
  if (tail >= 2) {
    const std::uint32_t a = t[s[0]], b = t[s[1]], c = tail == 3 ? t[s[2]] : 0;
    if ((a | b | c) & 0x80) return std::nullopt;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
    o[0] = static_cast<byte>(v >> 16);
    if (tail == 3) o[1] = static_cast<byte>(v >> 8);
    // Canonical encodings have zero bits left over (4 bits after 2 characters, 2 after 3).
    if (tail == 2 ? (b & 0x0F) != 0 : (c & 0x03) != 0) return std::nullopt;
  }
  return out;
}

}  // namespace

std::string base64url_encode(byte_view in) { return encode(in, k_url_alphabet, false); }
std::optional<bytes> base64url_decode(std::string_view in) { return decode(in, true); }
std::string base64_encode(byte_view in) { return encode(in, k_std_alphabet, true); }
std::optional<bytes> base64_decode(std::string_view in) { return decode(in, false); }

std::string hex_encode(byte_view in) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (byte b : in) {
    out.push_back(k_hex[b >> 4]);
    out.push_back(k_hex[b & 15]);
  }
  return out;
}

std::string aaguid::to_string() const {
  const std::string h = hex_encode(value);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

bool aaguid::is_zero() const noexcept {
  return std::all_of(value.begin(), value.end(), [](byte b) { return b == 0; });
}

}  // namespace signet::core
