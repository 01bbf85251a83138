#include "signet/api/handler.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "demo.hpp"
#include "dto.hpp"
#include "router.hpp"
#include "signet/core/json_arena.hpp"

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
    case errc::credential_not_found: return {http::status::not_found, "not_found", "invalid_credential"};
    case errc::conflict: return {http::status::conflict, "invalid_request", "conflict"};
    case errc::too_many_requests: return {http::status::too_many_requests, "too_many_requests", "too_many_requests"};
    case errc::unavailable: return {http::status::service_unavailable, "internal_error", "unavailable"};
  }
  return {http::status::internal_server_error, "internal_error", "internal_error"};
}

// One handler's JSON trees (the parsed body, the response) live in its arena; the response leaves as
// a serialised string.
using json_arena = core::json_arena<4096>;

response json_response(http::status status, const json::value& body, unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(body);
  return res;
}

response ok(const json::value& body, unsigned version) { return json_response(http::status::ok, body, version); }

/// A 200 whose body is JSON text already.
response ok_text(std::string body, unsigned version) {
  response res{http::status::ok, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

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

std::optional<std::string> query_value(const request& req, std::string_view key) {
  for (auto& [k, v] : query_params(req.target()))
    if (k == key) return v;
  return std::nullopt;
}

service::request_meta meta_of(const request& req, const request_info& info) {
  service::request_meta m;
  if (auto ua = header(req, http::field::user_agent); !ua.empty()) m.user_agent = std::string(ua.substr(0, 1024));
  m.ip_address = info.remote_address;
  return m;
}

/// Bearer-only Client API calls that create credentials: token, enrolment gate, then the body (§6.1, §6.2).
response client_enrolment(const request& req, context& ctx, const request_info& info, route_id id) {
  const unsigned v = req.version();
  auto bearer = ctx.access.bearer(header(req, http::field::authorization));
  if (!bearer) return from_error(bearer.error(), v);
  if (auto gate = ctx.passkeys.check_enrolment_gate(*bearer); !gate) return from_error(gate.error(), v);
  switch (id) {
    case route_id::c1_registration_options:
    case route_id::c8_security_key_registration_options: {
      json_arena arena;
      auto body = dto::parse_object(req.body(), arena.storage());
      if (!body) return from_error(body.error(), v);
      service::registration_options_request r;
      if (id == route_id::c1_registration_options) {
        auto parsed = dto::registration_options_request(*body);
        if (!parsed) return from_error(parsed.error(), v);
        r = std::move(*parsed);
      }
      const bool key = id == route_id::c8_security_key_registration_options;
      auto opts = ctx.passkeys.registration_options(*bearer, r, key);
      if (!opts) return from_error(opts.error(), v);
      return ok_text(dto::creation_options_json(*opts, key), v);
    }
    case route_id::c2_add_passkey:
    case route_id::c9_add_security_key: {
      const bool key = id == route_id::c9_add_security_key;
      service::add_passkey_request r;
      if (key) {
        r = dto::bare_registration(req.body());
      } else {
        auto body = dto::parse_object(req.body());
        if (!body) return from_error(body.error(), v);
        auto parsed = dto::add_passkey_request(*body);
        if (!parsed) return from_error(parsed.error(), v);
        r = std::move(*parsed);
      }
      auto added = ctx.passkeys.add_passkey(*bearer, r, meta_of(req, info), key);
      if (!added) return from_error(added.error(), v);
      json::object out{{"isVerified", true},
                       {"accessToken", added->access_token},
                       {"userAuthenticatorId", added->authenticator.id},
                       {"userId", added->authenticator.user_id}};
      if (!key) out["userAuthenticator"] = dto::authenticator_client(added->authenticator, added->is_default);
      return ok(out, v);
    }
    default:
      break;
  }
  return error_response(http::status::not_found, "not_found", "not_found", "No such endpoint.", v);
}

service::result<service::client_principal> bearer_principal(context& ctx, std::string_view auth) {
  auto b = ctx.access.bearer(auth);
  if (!b) return b.error();
  auto tenant = b->tenant;
  return service::client_principal{std::move(tenant), std::move(*b)};
}

response client_call(const request& req, context& ctx, const request_info& info, route_id id) {
  const unsigned v = req.version();
  const auto auth = header(req, http::field::authorization);
  switch (id) {
    case route_id::c3_authentication_options:
    case route_id::c10_security_key_authentication_options: {
      const bool key = id == route_id::c10_security_key_authentication_options;
      auto who = key ? bearer_principal(ctx, auth) : ctx.access.client(auth);
      if (!who) return from_error(who.error(), v);
      json_arena arena;
      auto body = dto::parse_object(req.body(), arena.storage());
      if (!body) return from_error(body.error(), v);
      service::authentication_options_request r;
      if (!key) {
        auto parsed = dto::authentication_options_request(*body);
        if (!parsed) return from_error(parsed.error(), v);
        r = std::move(*parsed);
      }
      auto opts = ctx.passkeys.authentication_options(*who, r, key);
      if (!opts) return from_error(opts.error(), v);
      return ok_text(dto::request_options_json(*opts, key), v);
    }
    case route_id::c4_verify_passkey:
    case route_id::c11_verify_security_key: {
      const bool key = id == route_id::c11_verify_security_key;
      auto who = key ? bearer_principal(ctx, auth) : ctx.access.client(auth);
      if (!who) return from_error(who.error(), v);
      service::verify_passkey_request r;
      if (key) {
        r.credential_json = req.body();
      } else {
        auto body = dto::parse_object(req.body());
        if (!body) return from_error(body.error(), v);
        auto parsed = dto::verify_passkey_request(*body);
        if (!parsed) return from_error(parsed.error(), v);
        r = std::move(*parsed);
      }
      auto verified = ctx.passkeys.verify_passkey(*who, r, meta_of(req, info), key);
      if (!verified) return from_error(verified.error(), v);
      if (key) return ok(json::object{{"isVerified", true}, {"accessToken", verified->access_token}}, v);
      return ok(dto::verify_result(*verified), v);
    }
    case route_id::c5_challenge: {
      auto who = ctx.access.client(auth);
      if (!who) return from_error(who.error(), v);
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto action = dto::opt_string(*body, "action");
      if (!action) return from_error(action.error(), v);
      auto key = dto::opt_string(*body, "idempotencyKey");
      if (!key) return from_error(key.error(), v);
      auto id_ = ctx.passkeys.action_challenge(*who, *action, *key);
      if (!id_) return from_error(id_.error(), v);
      json::object out;
      out["challengeId"] = *id_;
      return ok(out, v);
    }
    case route_id::c6_lookup_passkey: {
      auto tenant = ctx.access.client(auth);
      if (!tenant) return from_error(tenant.error(), v);
      auto list = query_value(req, "credentialIds");
      if (!list) list = query_value(req, "credentialId");
      if (!list || list->empty())
        return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                              "`credentialIds` is required.", v);
      std::vector<core::credential_id> ids;
      std::string_view rest(*list);
      while (!rest.empty() && ids.size() < 100) {
        const auto comma = rest.find(',');
        if (auto raw = core::base64url_decode(rest.substr(0, comma)); raw && !raw->empty())
          ids.emplace_back(std::move(*raw));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      auto found = ctx.passkeys.find_passkey(*tenant->tenant, ids);
      if (!found) return from_error(found.error(), v);
      return ok(json::object{{"credentialId", found->credential_id.to_base64url()},
                             {"verifiedAt", service::iso8601(found->verified_at)}},
                v);
    }
    case route_id::c7_authenticators: {
      auto bearer = ctx.access.bearer(auth);
      if (!bearer) return from_error(bearer.error(), v);
      json::array out;
      bool first = true;
      for (const auto& a : ctx.passkeys.authenticators(*bearer->tenant, bearer->user.user_id)) {
        out.push_back(dto::authenticator_client(a, first));
        first = false;
      }
      return ok(out, v);
    }
    default:
      break;
  }
  return error_response(http::status::not_found, "not_found", "not_found", "No such endpoint.", v);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string_view rest(s);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (auto part = rest.substr(0, comma); !part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
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
    case route_id::get_authenticators: {
      json::array out;
      for (const auto& a : ctx.server.authenticators(t, m.params[0])) out.push_back(dto::authenticator_server(a));
      return ok(out, v);
    }
    case route_id::delete_authenticator: {
      auto r = ctx.server.delete_authenticator(t, m.params[0], m.params[1]);
      if (!r) return from_error(r.error(), v);
      return ok(json::object{{"success", true}}, v);
    }
    case route_id::get_action: {
      auto a = ctx.server.get_action(t, m.params[0], m.params[1], m.params[2]);
      if (!a) return from_error(a.error(), v);
      return ok(dto::action(*a), v);
    }
    case route_id::update_action: {
      auto body = dto::parse_object(req.body());
      if (!body) return from_error(body.error(), v);
      auto state = dto::opt_string(*body, "state", 64);
      if (!state) return from_error(state.error(), v);
      if (!*state)
        return error_response(http::status::bad_request, "invalid_request", "invalid_request", "`state` is required.", v);
      auto a = ctx.server.update_action(t, m.params[0], m.params[1], m.params[2], **state);
      if (!a) return from_error(a.error(), v);
      return ok(dto::action(*a), v);
    }
    case route_id::query_actions: {
      std::optional<service::time_point> from;
      if (auto f = query_value(req, "fromDate"); f && !f->empty()) {
        service::time_point tp;
        if (!service::parse_iso8601(*f, tp))
          return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                                "`fromDate` must be an ISO-8601 UTC time.", v);
        from = tp;
      }
      std::vector<std::string> codes;
      if (auto c = query_value(req, "codes")) codes = split_commas(*c);
      std::optional<std::string> state = query_value(req, "state");
      if (state && state->empty()) state.reset();
      auto list = ctx.server.query_actions(t, m.params[0], from, std::move(codes), std::move(state));
      if (!list) return from_error(list.error(), v);
      json::array out;
      for (const auto& a : *list) out.push_back(dto::action_summary(a));
      return ok(out, v);
    }
    case route_id::query_users: {
      store::user_query q;
      auto nonempty = [&](const char* k) {
        auto x = query_value(req, k);
        return x && !x->empty() ? x : std::nullopt;
      };
      q.username = nonempty("username");
      q.email = nonempty("email");
      q.phone_number = nonempty("phoneNumber");
      q.after_user_id = nonempty("lastEvaluatedUserId");
      if (auto l = nonempty("limit")) {
        std::size_t n = 0;
        bool digits = l->size() <= 5;
        for (char c : *l) {
          if (c < '0' || c > '9') digits = false;
          else n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        if (!digits || n == 0 || n > 1000)
          return error_response(http::status::bad_request, "invalid_request", "invalid_request",
                                "`limit` must be a number from 1 to 1000.", v);
        q.limit = n;
      }
      auto page = ctx.server.query_users(t, q, nonempty("token"));
      if (!page) return validate_error(page.error(), v);
      json::array users;
      for (const auto& u : page->users) users.push_back(dto::user_summary(u));
      json::object out{{"users", std::move(users)}};
      if (page->last_evaluated_user_id) out["lastEvaluatedUserId"] = *page->last_evaluated_user_id;
      if (page->token_payload) out["tokenPayload"] = *page->token_payload;
      return ok(out, v);
    }
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
    case route_id::c2_add_passkey:
    case route_id::c8_security_key_registration_options:
    case route_id::c9_add_security_key:
      return client_enrolment(req, ctx, info, m->id);
    case route_id::c3_authentication_options:
    case route_id::c4_verify_passkey:
    case route_id::c5_challenge:
    case route_id::c6_lookup_passkey:
    case route_id::c7_authenticators:
    case route_id::c10_security_key_authentication_options:
    case route_id::c11_verify_security_key:
      return client_call(req, ctx, info, m->id);
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
    if (ctx.demo && !segs->empty() && (*segs)[0] == "demo") return demo::handle(req, ctx, *segs);
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
