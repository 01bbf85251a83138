#include "signet/api/handler.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "dto.hpp"
#include "router.hpp"

namespace signet::api {
namespace json = boost::json;
using service::errc;

namespace {

struct http_error {
  http::status status;
  std::string_view error;
  std::string_view code;
};

/// The one mapping from service error codes to HTTP status and the contract's error pair (§4.2).
http_error map_error(errc e) {
  switch (e) {
    case errc::invalid_request: return {http::status::bad_request, "invalid_request", "invalid_request"};
    case errc::invalid_credential: return {http::status::bad_request, "invalid_credential", "invalid_credential"};
    case errc::unknown_credential: return {http::status::bad_request, "invalid_credential", "unknown_credential"};
    case errc::unauthorized: return {http::status::unauthorized, "unauthorized", "unauthorized"};
    case errc::invalid_token: return {http::status::unauthorized, "unauthorized", "invalid_token"};
    case errc::expired_token: return {http::status::unauthorized, "unauthorized", "expired_token"};
    case errc::insufficient_scope: return {http::status::unauthorized, "unauthorized", "insufficient_scope"};
    case errc::not_found: return {http::status::not_found, "not_found", "not_found"};
    case errc::conflict: return {http::status::conflict, "invalid_request", "conflict"};
    case errc::too_many_requests: return {http::status::too_many_requests, "too_many_requests", "too_many_requests"};
    case errc::unavailable: return {http::status::service_unavailable, "internal_error", "unavailable"};
  }
  return {http::status::internal_server_error, "internal_error", "internal_error"};
}

response json_response(http::status status, const json::value& body, unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(body);
  return res;
}

response ok(const json::value& body, unsigned version) { return json_response(http::status::ok, body, version); }

response from_error(const service::error& e, unsigned version) {
  const auto m = map_error(e.code);
  return error_response(m.status, m.error, m.code, e.description, version);
}

/// /v1/validate answers token problems with 400 and isValid:false (§8.2).
response validate_error(const service::error& e, unsigned version) {
  if (e.code == errc::invalid_token || e.code == errc::expired_token || e.code == errc::invalid_request) {
    json::object body{{"error", "invalid_request"},
                      {"errorCode", service::to_string(e.code)},
                      {"errorDescription", e.description},
                      {"isValid", false}};
    return json_response(http::status::bad_request, body, version);
  }
  return from_error(e, version);
}

std::string_view header(const request& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

response handle_c1(const request& req, context& ctx) {
  const unsigned v = req.version();
  // §6.1 processing: 1 token, 2 enrolment gate, 3 fields, then options.
  auto bearer = ctx.access.bearer(header(req, http::field::authorization));
  if (!bearer) return from_error(bearer.error(), v);
  if (auto gate = ctx.passkeys.check_enrolment_gate(*bearer); !gate) return from_error(gate.error(), v);
  auto body = dto::parse_object(req.body());
  if (!body) return from_error(body.error(), v);
  auto dto_req = dto::registration_options_request(*body);
  if (!dto_req) return from_error(dto_req.error(), v);
  auto opts = ctx.passkeys.registration_options(*bearer, *dto_req);
  if (!opts) return from_error(opts.error(), v);
  return ok(dto::creation_options(*opts), v);
}

response handle_server(const request& req, context& ctx, const route_match& m, const request_info& info) {
  const unsigned v = req.version();
  auto tenant = ctx.access.server(header(req, http::field::authorization));
  if (!tenant) return from_error(tenant.error(), v);
  const store::tenant& t = **tenant;
  switch (m.id) {
    case route_id::track: {
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto tr = dto::track_request(*body);
      if (!tr) return from_error(tr.error(), v);
      if (!tr->ip_address) tr->ip_address = info.remote_address;
      if (!tr->user_agent) {
        if (auto ua = header(req, http::field::user_agent); !ua.empty()) tr->user_agent = std::string(ua.substr(0, 1024));
      }
      auto r = ctx.server.track(t, m.params[0], m.params[1], *tr);
      if (!r) return from_error(r.error(), v);
      return ok(dto::track_result(*r), v);
    }
    case route_id::validate: {
      auto body = dto::parse_object(req.body());
      if (!body) return validate_error(body.error(), v);
      auto vr = dto::validate_request(*body);
      if (!vr) return validate_error(vr.error(), v);
      auto r = ctx.server.validate(t, *vr);
      if (!r) return validate_error(r.error(), v);
      return ok(dto::validate_result(*r), v);
    }
    case route_id::get_user:
      return ok(dto::user(ctx.server.get_user(t, m.params[0])), v);
    case route_id::update_user: {
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto patch = dto::user_patch(*body);
      if (!patch) return from_error(patch.error(), v);
      auto u = ctx.server.update_user(t, m.params[0], *patch);
      if (!u) return from_error(u.error(), v);
      return ok(dto::user_attributes(*u), v);
    }
    case route_id::delete_user:
      ctx.server.delete_user(t, m.params[0]);
      return ok(json::object{{"success", true}}, v);
    case route_id::enroll_verified_authenticator:
      // §8.12: passkeys can only be created by a WebAuthn ceremony; other methods are out of scope.
      return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                            "Enrolling verified authenticators is not supported; passkeys are created "
                            "through the Client API.",
                            v);
    default:
      break;
  }
  return error_response(http::status::not_found, "not_found", "not_found", "Not found.", v);
}

void add_cors(response& res, const request& req, context& ctx, bool preflight) {
  const auto origin = header(req, http::field::origin);
  res.set(http::field::vary, "Origin");
  if (origin.empty() || !ctx.tenants.cors_origin_allowed(origin)) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::access_control_allow_credentials, "true");
  if (preflight) {
    res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
    const auto requested = header(req, http::field::access_control_request_headers);
    res.set(http::field::access_control_allow_headers,
            requested.empty() ? std::string_view("Authorization, Content-Type") : requested);
    res.set(http::field::access_control_max_age, "600");
  }
}

response dispatch(const request& req, context& ctx, const request_info& info, const std::vector<std::string>& segs) {
  const unsigned v = req.version();
  auto m = match_route(req.method(), segs);
  if (!m) return error_response(http::status::not_found, "not_found", "not_found", "No such endpoint.", v);
  switch (m->id) {
    case route_id::health:
      return ok(json::object{{"status", "ok"}}, v);
    case route_id::c1_registration_options:
    case route_id::c1w_registration_options:
      return handle_c1(req, ctx);
    default:
      return handle_server(req, ctx, *m, info);
  }
}

}  // namespace

response error_response(http::status status, std::string_view error, std::string_view error_code,
                        std::string_view description, unsigned version) {
  json::object body{{"error", error}, {"errorCode", error_code}, {"errorDescription", description}};
  return json_response(status, body, version);
}

response handle(const request& req, context& ctx, const request_info& info) {
  const unsigned v = req.version();
  auto segs = path_segments(req.target());
  if (!segs) return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                                   "Malformed request target.", v);
  const bool client = is_client_path(*segs);
  try {
    if (client && req.method() == http::verb::options) {
      response res{http::status::no_content, v};
      add_cors(res, req, ctx, true);
      return res;
    }
    response res = dispatch(req, ctx, info, *segs);
    if (client) add_cors(res, req, ctx, false);
    return res;
  } catch (const store::store_error& e) {
    spdlog::error("store failure on {} {}: {}", std::string(req.method_string()), std::string(req.target().substr(0, 64)),
                  e.what());
    response res = error_response(http::status::service_unavailable, "internal_error", "unavailable",
                                  "The store is unavailable; retry later.", v);
    if (client) add_cors(res, req, ctx, false);
    return res;
  } catch (const std::exception& e) {
    spdlog::error("unexpected failure on {}: {}", std::string(req.method_string()), e.what());
  } catch (...) {
    spdlog::error("unexpected failure on {}", std::string(req.method_string()));
  }
  response res = error_response(http::status::internal_server_error, "internal_error", "internal_error",
                                "Unexpected error.", v);
  if (client) add_cors(res, req, ctx, false);
  return res;
}

}  // namespace signet::api
