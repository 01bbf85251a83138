// base64 / base64url: RFC 4648 vectors, the strict decoding rules, and agreement with a plain
// bit-by-bit reference decoder on random (valid and invalid) input.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "signet/core/bytes.hpp"

namespace signet {
namespace {

core::bytes b(std::string_view s) { return core::bytes(s.begin(), s.end()); }

// Reference: one character at a time, the rules of core::base64*_decode written out plainly.
std::optional<core::bytes> reference_decode(std::string_view in, bool url) {
  std::size_t len = in.size(), pads = 0;
  while (len > 0 && in[len - 1] == '=' && pads < 2) --len, ++pads;
  if (pads > 0 && in.size() % 4 != 0) return std::nullopt;
  if (len % 4 == 1) return std::nullopt;
  const std::string alphabet = std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") +
                               (url ? "-_" : "+/");
  core::bytes out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const auto pos = alphabet.find(in[i]);
    if (pos == std::string::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<core::byte>((acc >> bits) & 0xFF));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

TEST(encoding, rfc4648_vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(core::base64_encode(b(plain)), encoded);
    EXPECT_EQ(core::base64_decode(encoded), b(plain)) << encoded;
    std::string unpadded(encoded);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(core::base64url_encode(b(plain)), unpadded);
    EXPECT_EQ(core::base64url_decode(unpadded), b(plain)) << unpadded;
    EXPECT_EQ(core::base64url_decode(encoded), b(plain)) << encoded;  // padding accepted when parsing
  }
}

TEST(encoding, alphabets_are_not_mixed) {
  const core::bytes v = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(core::base64_encode(v), "+/+/");
  EXPECT_EQ(core::base64url_encode(v), "-_-_");
  EXPECT_EQ(core::base64url_decode("-_-_"), v);
  EXPECT_FALSE(core::base64url_decode("+/+/"));
  EXPECT_FALSE(core::base64_decode("-_-_"));
}

TEST(encoding, strict_rules) {
  EXPECT_FALSE(core::base64url_decode("Z"));       // one character cannot carry a byte
  EXPECT_FALSE(core::base64url_decode("Zh"));      // non-zero leftover bits (canonical is "Zg")
  EXPECT_FALSE(core::base64url_decode("Zm9"));     // non-zero leftover bits (canonical is "Zm8")
  EXPECT_FALSE(core::base64url_decode("Zg="));     // padded, but not to a multiple of 4
  EXPECT_FALSE(core::base64url_decode("Zg==="));   // three pads
  EXPECT_FALSE(core::base64url_decode("Zm 9v"));   // space
  EXPECT_FALSE(core::base64url_decode("Zm9v\n"));  // newline
  EXPECT_FALSE(core::base64url_decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(core::base64url_decode("Zm9v\xc3\xa9"));
  EXPECT_FALSE(core::base64url_decode("Zm=v"));    // '=' inside
}

TEST(encoding, random_round_trips_and_agreement_with_the_reference) {
  std::mt19937 rng(20261129);
  const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \x80";
  for (int i = 0; i < 20000; ++i) {
    core::bytes raw(rng() % 70);
    for (auto& x : raw) x = static_cast<core::byte>(rng());
    ASSERT_EQ(core::base64url_decode(core::base64url_encode(raw)), raw);
    ASSERT_EQ(core::base64_decode(core::base64_encode(raw)), raw);
    std::string text(rng() % 12, 'A');
    for (auto& c : text) c = chars[rng() % chars.size()];
    ASSERT_EQ(core::base64url_decode(text), reference_decode(text, true)) << text;
    ASSERT_EQ(core::base64_decode(text), reference_decode(text, false)) << text;
  }
}

}  // namespace
}  // namespace signet
