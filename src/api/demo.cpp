#include "demo.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "dto.hpp"

namespace signet::api::demo {
namespace json = boost::json;

namespace {

response json_ok(const json::value& v, unsigned version) {
  response res{http::status::ok, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(v);
  return res;
}

response from_error(const service::error& e, unsigned version) {
  // The demo backend reports service errors the way the Server API does.
  http::status status = http::status::bad_request;
  std::string_view error = "invalid_request";
  if (e.code == service::errc::not_found) {
    status = http::status::not_found;
    error = "not_found";
  } else if (e.code == service::errc::unauthorized) {
    status = http::status::unauthorized;
    error = "unauthorized";
  }
  return error_response(status, error, service::to_string(e.code), e.description, version);
}

bool safe_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  return name.find("..") == std::string::npos;
}

std::string_view content_type(const std::string& name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return {};
}

response file(const std::filesystem::path& path, std::string_view type, unsigned version) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_response(http::status::not_found, "not_found", "not_found", "No such demo file.", version);
  std::ostringstream buf;
  buf << in.rdbuf();
  response res{http::status::ok, version};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-cache");
  res.body() = buf.str();
  return res;
}

}  // namespace

response handle(const request& req, context& ctx, const std::vector<std::string>& segs) {
  const unsigned v = req.version();
  const demo_config& cfg = *ctx.demo;
  auto tenant = ctx.tenants.by_id(cfg.tenant_id);
  if (!tenant) return error_response(http::status::not_found, "not_found", "not_found", "The demo tenant is missing.", v);

  // Static files.
  if (req.method() == http::verb::get && segs.size() == 1)
    return file(cfg.dir / "index.html", "text/html; charset=utf-8", v);
  if (req.method() == http::verb::get && segs.size() == 2) {
    if (segs[1] == "sdk.js")
      return file(cfg.dir / "node_modules" / "@authsignal" / "browser" / "dist" / "index.min.js",
                  "text/javascript; charset=utf-8", v);
    const auto type = content_type(segs[1]);
    if (safe_name(segs[1]) && !type.empty()) return file(cfg.dir / segs[1], type, v);
  }

  // The app backend: /demo/api/…
  if (segs.size() >= 3 && segs[1] == "api") {
    if (req.method() == http::verb::get && segs.size() == 3 && segs[2] == "config")
      return json_ok(json::object{{"tenantId", tenant->id}, {"baseUrl", cfg.base_url}}, v);
    if (req.method() == http::verb::post && segs.size() == 3 && segs[2] == "track") {
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto user = dto::opt_string(*body, "userId");
      auto action = dto::opt_string(*body, "action", 64);
      auto scope = dto::opt_string(*body, "scope");
      if (!user || !action || !scope || !*user)
        return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                              "`userId` (string) is required.", v);
      service::track_request tr;
      tr.scope = *scope;
      auto r = ctx.server.track(*tenant, **user, action->value_or("signInWithPasskey"), tr);
      if (!r) return from_error(r.error(), v);
      return json_ok(dto::track_result(*r), v);
    }
    if (req.method() == http::verb::post && segs.size() == 3 && segs[2] == "validate") {
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto vr = dto::validate_request(*body);
      if (!vr) return from_error(vr.error(), v);
      auto r = ctx.server.validate(*tenant, *vr);
      if (!r) return from_error(r.error(), v);
      return json_ok(dto::validate_result(*r), v);
    }
    if (req.method() == http::verb::get && segs.size() == 5 && segs[2] == "users" && segs[4] == "authenticators") {
      json::array out;
      for (const auto& a : ctx.server.authenticators(*tenant, segs[3])) out.push_back(dto::authenticator_server(a));
      return json_ok(out, v);
    }
  }
  return error_response(http::status::not_found, "not_found", "not_found", "No such demo resource.", v);
}

}  // namespace signet::api::demo
