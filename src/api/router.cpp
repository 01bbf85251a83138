#include "router.hpp"

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
  static const std::vector<route> routes = {
      {verb::get, {"health"}, route_id::health},
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "registration-options"},
       route_id::c1_registration_options},
      {verb::post, {"v1", "client", "user-authenticators", "passkey", "registration-options", "web"},
       route_id::c1w_registration_options},
      {verb::post, {"v1", "users", "{}", "actions", "{}"}, route_id::track},
      {verb::post, {"v1", "validate"}, route_id::validate},
      {verb::get, {"v1", "users", "{}"}, route_id::get_user},
      {verb::patch, {"v1", "users", "{}"}, route_id::update_user},
      {verb::delete_, {"v1", "users", "{}"}, route_id::delete_user},
      {verb::post, {"v1", "users", "{}", "authenticators"}, route_id::enroll_verified_authenticator},
  };
  return routes;
}

}  // namespace

std::optional<std::vector<std::string>> path_segments(std::string_view target) {
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

bool is_client_path(const std::vector<std::string>& segments) noexcept {
  return segments.size() >= 2 && segments[0] == "v1" && segments[1] == "client";
}

}  // namespace signet::api
