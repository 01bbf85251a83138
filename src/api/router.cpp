#include "router.hpp"

#include <algorithm>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace signet::api {
namespace {

using verb = boost::beast::http::verb;

struct route {
  verb method;
  std::vector<std::string_view> pattern;  // "{}" matches one segment
  route_id id;
};

const std::vector<route>& table() {
  using R = route_id;
  static const std::vector<route> routes = {
      {verb::get, {"health"}, R::health},
      // Client API (the /web variants of C1, C3 and C5 have the same contract, §6).
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "registration-options"}, R::c1_registration_options},
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "registration-options", "web"}, R::c1_registration_options},
      {verb::post, {"v1", "client", "user-authenticators", "passkey"}, R::c2_add_passkey},
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "authentication-options"}, R::c3_authentication_options},
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "authentication-options", "web"}, R::c3_authentication_options},
      {verb::post, {"v1", "client", "verify", "passkey"}, R::c4_verify_passkey},
      {verb::post, {"v1", "client", "challenge"}, R::c5_challenge},
      {verb::post, {"v1", "client", "challenge", "web"}, R::c5_challenge},
      {verb::get, {"v1", "client", "user-authenticators", "passkey"}, R::c6_lookup_passkey},
      {verb::get, {"v1", "client", "user-authenticators"}, R::c7_authenticators},
      {verb::post, {"v1", "client", "user-authenticators", "security-key", "registration-options"}, R::c8_security_key_registration_options},
      {verb::post, {"v1", "client", "user-authenticators", "security-key"}, R::c9_add_security_key},
      {verb::post, {"v1", "client", "user-authenticators", "security-key", "authentication-options"}, R::c10_security_key_authentication_options},
      {verb::post, {"v1", "client", "verify", "security-key"}, R::c11_verify_security_key},
      // Server API
      {verb::post, {"v1", "users", "{}", "actions", "{}"}, R::track},
      {verb::post, {"v1", "validate"}, R::validate},
      {verb::get, {"v1", "users"}, R::query_users},
      {verb::get, {"v1", "users", "{}"}, R::get_user},
      {verb::patch, {"v1", "users", "{}"}, R::update_user},
      {verb::delete_, {"v1", "users", "{}"}, R::delete_user},
      {verb::get, {"v1", "users", "{}", "authenticators"}, R::get_authenticators},
      {verb::post, {"v1", "users", "{}", "authenticators"}, R::enroll_verified_authenticator},
      {verb::delete_, {"v1", "users", "{}", "authenticators", "{}"}, R::delete_authenticator},
      {verb::get, {"v1", "users", "{}", "actions"}, R::query_actions},
      {verb::get, {"v1", "users", "{}", "actions", "{}", "{}"}, R::get_action},
      {verb::patch, {"v1", "users", "{}", "actions", "{}", "{}"}, R::update_action},
  };
  return routes;
}

// A target made only of unreserved characters and '/' is a valid origin form whose segments need
// no decoding (no '%', no query): split it directly. Anything else goes through Boost.URL.
bool plain_path(std::string_view t) noexcept {
  if (t.empty() || t.front() != '/') return false;
  for (const char c : t) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '-' || c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::optional<std::vector<std::string>> path_segments(std::string_view target) {
  if (plain_path(target)) {
    std::vector<std::string> out;
    std::size_t i = 1;
    while (i <= target.size()) {
      const std::size_t j = std::min(target.find('/', i), target.size());
      if (j > i) out.emplace_back(target.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  std::vector<std::string> out;
  for (auto seg : parsed->encoded_segments()) {
    if (seg.empty()) continue;
    out.push_back(seg.decode());
  }
  return out;
}

std::optional<route_match> match_route(verb method, const std::vector<std::string>& segments) {
  for (const auto& r : table()) {
    if (r.method != method || r.pattern.size() != segments.size()) continue;
    route_match m{r.id, {}};
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (r.pattern[i] == "{}")
        m.params.push_back(segments[i]);
      else
        ok = r.pattern[i] == segments[i];
    }
    if (ok) return m;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> query_params(std::string_view target) {
  std::vector<std::pair<std::string, std::string>> out;
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return out;
  for (auto p : parsed->encoded_params()) out.emplace_back(p.key.decode(), p.has_value ? p.value.decode() : "");
  return out;
}

bool is_client_path(const std::vector<std::string>& segments) noexcept {
  return segments.size() >= 2 && segments[0] == "v1" && segments[1] == "client";
}

}  // namespace signet::api
