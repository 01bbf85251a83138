#include "signet/core/bytes.hpp"

#include <algorithm>

namespace signet::core {
namespace {

constexpr char k_url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char k_std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(byte_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = in.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

int decode_char(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (url) {
    if (c == '-') return 62;
    if (c == '_') return 63;
  } else {
    if (c == '+') return 62;
    if (c == '/') return 63;
  }
  return -1;
}

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
  bytes out;
  out.reserve(len * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const int d = decode_char(in[i], url);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<byte>((acc >> bits) & 0xFF));
    }
  }
  // Canonical encodings have zero bits left over.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
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
