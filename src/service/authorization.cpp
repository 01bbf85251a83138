#include "signet/service/authorization.hpp"

#include <algorithm>

#include "signet/core/bytes.hpp"

namespace signet::service {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

authorization parse_authorization(std::string_view header) noexcept {
  authorization a;
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.empty()) return a;
  const auto sp = header.find(' ');
  const std::string_view scheme = header.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : header.substr(sp + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  a.credentials = rest;
  if (iequals(scheme, "basic"))
    a.scheme = auth_scheme::basic;
  else if (iequals(scheme, "bearer"))
    a.scheme = auth_scheme::bearer;
  else
    a.scheme = auth_scheme::other;
  return a;
}

std::optional<std::string> decode_basic_user(std::string_view credentials) {
  if (credentials.empty() || credentials.size() > 4096) return std::nullopt;
  std::string b64(credentials);
  for (char& c : b64) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (b64.size() % 4 != 0) b64.push_back('=');
  auto raw = core::base64_decode(b64);
  if (!raw) return std::nullopt;
  std::string_view text = core::as_chars(*raw);
  if (const auto colon = text.find(':'); colon != std::string_view::npos) text = text.substr(0, colon);
  auto decoded = percent_decode(text);
  if (!decoded || decoded->empty()) return std::nullopt;
  return decoded;
}

}  // namespace signet::service
