#include "signet/service/server_api.hpp"

#include <algorithm>

#include "signet/service/token.hpp"

namespace signet::service {

namespace {
constexpr std::size_t k_max_field = 256;
const std::vector<std::string> k_allowed_methods = {"PASSKEY", "SECURITY_KEY"};

/// The verification methods a user is enrolled with, passkeys first; the default is the first.
std::vector<std::string> methods_of(store::authenticator_store& s, std::string_view tenant_id,
                                    std::string_view user_id) {
  bool passkey = false, key = false;
  for (const auto& a : s.list_authenticators(tenant_id, user_id)) {
    passkey |= a.verification_method == "PASSKEY";
    key |= a.verification_method == "SECURITY_KEY";
  }
  std::vector<std::string> out;
  if (passkey) out.emplace_back("PASSKEY");
  if (key) out.emplace_back("SECURITY_KEY");
  return out;
}

bool known_scope(std::string_view s) {
  return s == scope_read || s == scope_add || s == scope_update || s == scope_remove;
}
}  // namespace

bool valid_action_code(std::string_view code) noexcept {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

server_api_service::server_api_service(store::stores stores, access_control& access, const token_issuer& tokens,
                                       const clock& clk, random_source& rng)
    : stores_(stores), access_(access), tokens_(tokens), clock_(clk), rng_(rng) {}

result<track_result> server_api_service::track(const store::tenant& tenant, std::string_view user_id,
                                               std::string_view action_code, const track_request& req) {
  if (user_id.empty() || user_id.size() > k_max_field)
    return make_error(errc::invalid_request, "userId must be 1 to 256 characters.");
  if (!valid_action_code(action_code))
    return make_error(errc::invalid_request, "The action code must match ^[a-zA-Z0-9_-]{1,64}$.");
  if (req.idempotency_key && (req.idempotency_key->empty() || req.idempotency_key->size() > k_max_field))
    return make_error(errc::invalid_request, "idempotencyKey must be 1 to 256 characters.");

  // Scopes (§3.3): read:authenticators always, plus the listed ones; unknown values are refused.
  std::vector<std::string> scopes{std::string(scope_read)};
  if (req.scope) {
    std::string_view rest(*req.scope);
    while (!rest.empty()) {
      const auto sp = rest.find(' ');
      const auto word = rest.substr(0, sp);
      if (!word.empty()) {
        if (!known_scope(word)) return make_error(errc::invalid_request, "Unknown scope in `scope`.");
        if (std::find(scopes.begin(), scopes.end(), word) == scopes.end()) scopes.emplace_back(word);
      }
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
  }

  const auto now = clock_.now();
  store::user_patch patch;
  patch.only_if_empty = true;
  if (req.username) patch.username = req.username;
  if (req.email) patch.email = req.email;
  if (req.phone_number) patch.phone_number = req.phone_number;
  stores_.users.upsert_user(tenant.id, user_id, patch, now);

  const bool enrolled = stores_.authenticators.has_authenticator(tenant.id, user_id);
  std::optional<store::action> action;
  if (req.idempotency_key)
    action = stores_.actions.find_action(tenant.id, user_id, action_code, *req.idempotency_key);
  if (!action) {
    store::action a;
    a.tenant_id = tenant.id;
    a.user_id = std::string(user_id);
    a.action_code = std::string(action_code);
    a.idempotency_key = req.idempotency_key ? *req.idempotency_key : uuid_v4(rng_);
    // Q16: challenge enrolled users unless the tenant's outcome is ALLOW; never challenge the unenrolled.
    a.state = (enrolled && tenant.default_action_outcome == "CHALLENGE") ? "CHALLENGE_REQUIRED" : "ALLOW";
    a.state_updated_at = a.created_at = a.updated_at = now;
    a.ip_address = req.ip_address;
    a.user_agent = req.user_agent;
    a.device_id = req.device_id;
    a.custom_json = req.custom_json;
    std::string scope_text;
    for (const auto& s : scopes) scope_text += (scope_text.empty() ? "" : " ") + s;
    a.scope = scope_text;
    if (!stores_.actions.create_action(a)) {
      // Lost a race with a concurrent track using the same idempotency key: return that action.
      action = stores_.actions.find_action(tenant.id, user_id, action_code, a.idempotency_key);
      if (!action) return make_error(errc::unavailable, "The action could not be created.");
    } else {
      action = std::move(a);
    }
  }

  track_result r;
  r.state = action->state;
  r.idempotency_key = action->idempotency_key;
  r.token = tokens_.issue(tenant, *action, scopes);
  r.url = tokens_.issuer() + "/prebuilt?token=" + r.token;
  r.is_enrolled = enrolled;
  if (enrolled) {
    r.enrolled_methods = methods_of(stores_.authenticators, tenant.id, user_id);
    if (!r.enrolled_methods.empty()) r.default_method = r.enrolled_methods.front();
  }
  r.allowed_methods = k_allowed_methods;
  return r;
}

result<validate_result> server_api_service::validate(const store::tenant& tenant, const validate_request& req) {
  if (req.token.empty()) return make_error(errc::invalid_request, "`token` is required.");
  auto parsed = access_.verify_token_for(tenant, req.token);
  if (!parsed) return parsed.error();
  const auto& c = parsed->claims;
  if (req.user_id && *req.user_id != c.user_id)
    return make_error(errc::invalid_request, "The token does not belong to the given userId.");
  if (req.action && *req.action != c.action_code)
    return make_error(errc::invalid_request, "The token does not belong to the given action.");
  // The user and the action in one read, as the Bearer check reads them (and from its cache).
  auto found = stores_.users.find_user_with_action(tenant.id, c.user_id, c.action_code, c.idempotency_key);
  if (!found) return make_error(errc::not_found, "The user of this token no longer exists.");
  if (!found->action) return make_error(errc::not_found, "The action of this token no longer exists.");
  const auto& action = found->action;
  validate_result r;
  r.state = action->state;
  r.is_valid = action->state == "CHALLENGE_SUCCEEDED";
  r.state_updated_at = action->state_updated_at;
  r.user_id = c.user_id;
  r.action_code = action->action_code;
  r.idempotency_key = action->idempotency_key;
  r.verification_method = action->verification_method;
  return r;
}

user_view server_api_service::get_user(const store::tenant& tenant, std::string_view user_id) {
  user_view v;
  v.allowed_methods = k_allowed_methods;
  auto u = stores_.users.find_user(tenant.id, user_id);
  if (!u) return v;
  v.user = std::move(*u);
  v.exists = true;
  v.enrolled_methods = methods_of(stores_.authenticators, tenant.id, user_id);
  v.is_enrolled = !v.enrolled_methods.empty();
  if (v.is_enrolled) v.default_method = v.enrolled_methods.front();
  return v;
}

result<store::user> server_api_service::update_user(const store::tenant& tenant, std::string_view user_id,
                                                    const store::user_patch& p) {
  if (user_id.empty() || user_id.size() > k_max_field)
    return make_error(errc::invalid_request, "userId must be 1 to 256 characters.");
  return stores_.users.upsert_user(tenant.id, user_id, p, clock_.now());
}

void server_api_service::delete_user(const store::tenant& tenant, std::string_view user_id) {
  stores_.users.delete_user(tenant.id, user_id, clock_.now());
}

std::vector<store::authenticator> server_api_service::authenticators(const store::tenant& tenant,
                                                                     std::string_view user_id) {
  return stores_.authenticators.list_authenticators(tenant.id, user_id);
}

result<void> server_api_service::delete_authenticator(const store::tenant& tenant, std::string_view user_id,
                                                      std::string_view authenticator_id) {
  if (!stores_.authenticators.delete_authenticator(tenant.id, user_id, authenticator_id))
    return make_error(errc::not_found, "The user has no such authenticator.");
  return {};
}

result<store::action> server_api_service::get_action(const store::tenant& tenant, std::string_view user_id,
                                                     std::string_view action_code, std::string_view idempotency_key) {
  auto a = stores_.actions.find_action(tenant.id, user_id, action_code, idempotency_key);
  if (!a) return make_error(errc::not_found, "No such action.");
  return std::move(*a);
}

namespace {
bool known_state(std::string_view s) {
  for (const char* k : {"ALLOW", "BLOCK", "CHALLENGE_REQUIRED", "CHALLENGE_FAILED", "CHALLENGE_SUCCEEDED",
                        "REVIEW_REQUIRED", "REVIEW_FAILED", "REVIEW_SUCCEEDED"})
    if (s == k) return true;
  return false;
}
}  // namespace

result<store::action> server_api_service::update_action(const store::tenant& tenant, std::string_view user_id,
                                                        std::string_view action_code,
                                                        std::string_view idempotency_key, std::string_view state) {
  if (!known_state(state)) return make_error(errc::invalid_request, "`state` is not an action state.");
  if (!stores_.actions.update_action_state(tenant.id, user_id, action_code, idempotency_key, state, clock_.now()))
    return make_error(errc::not_found, "No such action.");
  return get_action(tenant, user_id, action_code, idempotency_key);
}

result<std::vector<store::action>> server_api_service::query_actions(const store::tenant& tenant,
                                                                     std::string_view user_id,
                                                                     std::optional<time_point> from,
                                                                     std::vector<std::string> codes,
                                                                     std::optional<std::string> state) {
  if (state && !known_state(*state)) return make_error(errc::invalid_request, "`state` is not an action state.");
  const auto floor = clock_.now() - std::chrono::hours(24 * 30);
  store::action_query q;
  q.from = from && *from > floor ? *from : floor;
  q.codes = std::move(codes);
  q.state = std::move(state);
  return stores_.actions.query_actions(tenant.id, user_id, q);
}

result<server_api_service::user_page> server_api_service::query_users(const store::tenant& tenant,
                                                                      store::user_query q,
                                                                      const std::optional<std::string>& token) {
  if (q.limit == 0 || q.limit > 1000) return make_error(errc::invalid_request, "`limit` must be 1 to 1000.");
  user_page page;
  if (token) {
    auto parsed = access_.verify_token_for(tenant, *token);
    if (!parsed) return parsed.error();
    q.user_id = parsed->claims.user_id;
    page.token_payload = parsed->payload;
  }
  const std::size_t limit = q.limit;
  q.limit = limit + 1;  // one more tells whether another page exists
  auto users = stores_.users.query_users(tenant.id, q);
  const bool more = users.size() > limit;
  if (more) users.resize(limit);
  for (auto& u : users) {
    user_view v;
    v.exists = true;
    v.enrolled_methods = methods_of(stores_.authenticators, tenant.id, u.user_id);
    v.is_enrolled = !v.enrolled_methods.empty();
    v.allowed_methods = k_allowed_methods;
    v.user = std::move(u);
    page.users.push_back(std::move(v));
  }
  if (more && !page.users.empty()) page.last_evaluated_user_id = page.users.back().user.user_id;
  return page;
}

}  // namespace signet::service
