// Server API operations (contract §8.1–§8.5): track, validate, get/update/delete user.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "signet/service/access.hpp"
#include "signet/service/env.hpp"
#include "signet/service/errors.hpp"
#include "signet/service/token_issuer.hpp"
#include "signet/store/ports.hpp"

namespace signet::service {

struct track_request {
  std::optional<std::string> scope;
  std::optional<std::string> username;
  std::optional<std::string> email;
  std::optional<std::string> phone_number;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> custom_json;  // JSON object text
  std::optional<std::string> device_id;
  std::optional<std::string> ip_address;
  std::optional<std::string> user_agent;
  std::optional<std::string> locale;
};

struct track_result {
  std::string state;
  std::string idempotency_key;
  std::string token;
  std::string url;
  bool is_enrolled = false;
  std::vector<std::string> enrolled_methods;
  std::vector<std::string> allowed_methods;
  std::optional<std::string> default_method;
};

struct validate_request {
  std::string token;
  std::optional<std::string> user_id;
  std::optional<std::string> action;
};

struct validate_result {
  bool is_valid = false;
  std::string state;
  time_point state_updated_at{};
  std::string user_id;
  std::string action_code;
  std::string idempotency_key;
  std::optional<std::string> verification_method;
};

struct user_view {
  store::user user;
  bool exists = false;
  bool is_enrolled = false;
  std::vector<std::string> enrolled_methods;
  std::vector<std::string> allowed_methods;
  std::optional<std::string> default_method;
};

/// true for codes matching ^[a-zA-Z0-9_-]{1,64}$.
bool valid_action_code(std::string_view code) noexcept;

class server_api_service {
 public:
  server_api_service(store::stores stores, access_control& access, const token_issuer& tokens, const clock& clk,
                     random_source& rng);

  /// §8.1. Errors: invalid_request (bad user id, action code, scope, idempotency key).
  result<track_result> track(const store::tenant& tenant, std::string_view user_id, std::string_view action_code,
                             const track_request& req);
  /// §8.2. Errors: invalid_token, expired_token, invalid_request (missing token, mismatch), not_found.
  result<validate_result> validate(const store::tenant& tenant, const validate_request& req);
  user_view get_user(const store::tenant& tenant, std::string_view user_id);
  result<store::user> update_user(const store::tenant& tenant, std::string_view user_id, const store::user_patch& p);
  void delete_user(const store::tenant& tenant, std::string_view user_id);

  /// §8.6: verified authenticators, oldest first ([] for an unknown user).
  std::vector<store::authenticator> authenticators(const store::tenant& tenant, std::string_view user_id);
  /// §8.7. Error: not_found.
  result<void> delete_authenticator(const store::tenant& tenant, std::string_view user_id,
                                    std::string_view authenticator_id);
  /// §8.8. Error: not_found.
  result<store::action> get_action(const store::tenant& tenant, std::string_view user_id, std::string_view action_code,
                                   std::string_view idempotency_key);
  /// §8.9. Errors: invalid_request (unknown state), not_found.
  result<store::action> update_action(const store::tenant& tenant, std::string_view user_id,
                                      std::string_view action_code, std::string_view idempotency_key,
                                      std::string_view state);
  /// §8.10. `from` defaults to, and is bounded below by, 30 days ago.
  result<std::vector<store::action>> query_actions(const store::tenant& tenant, std::string_view user_id,
                                                   std::optional<time_point> from, std::vector<std::string> codes,
                                                   std::optional<std::string> state);

  struct user_page {
    std::vector<user_view> users;
    std::optional<std::string> last_evaluated_user_id;
    std::optional<boost::json::object> token_payload;
  };
  /// §8.11. Errors: invalid_request (limit), invalid_token / expired_token (token filter).
  result<user_page> query_users(const store::tenant& tenant, store::user_query q, const std::optional<std::string>& token);

 private:
  store::stores stores_;
  access_control& access_;
  const token_issuer& tokens_;
  const clock& clock_;
  random_source& rng_;
};

}  // namespace signet::service
