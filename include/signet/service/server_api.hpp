// Server API operations (contract §8.1–§8.5): track, validate, get/update/delete user.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "signet/service/access.hpp"
#include "signet/service/env.hpp"
#include "signet/service/errors.hpp"
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

struct service_config {
  /// `iss` of tokens and the base of track's placeholder `url`, e.g. "http://127.0.0.1:8080/v1".
  std::string issuer = "http://localhost/v1";
};

/// true for codes matching ^[a-zA-Z0-9_-]{1,64}$.
bool valid_action_code(std::string_view code) noexcept;

class server_api_service {
 public:
  server_api_service(store::stores stores, access_control& access, const clock& clk, random_source& rng,
                     service_config cfg);

  /// §8.1. Errors: invalid_request (bad user id, action code, scope, idempotency key).
  result<track_result> track(const store::tenant& tenant, std::string_view user_id, std::string_view action_code,
                             const track_request& req);
  /// §8.2. Errors: invalid_token, expired_token, invalid_request (missing token, mismatch), not_found.
  result<validate_result> validate(const store::tenant& tenant, const validate_request& req);
  user_view get_user(const store::tenant& tenant, std::string_view user_id);
  result<store::user> update_user(const store::tenant& tenant, std::string_view user_id, const store::user_patch& p);
  void delete_user(const store::tenant& tenant, std::string_view user_id);

  /// Issues a token for an action (§3.2) with the given scopes, signed with the tenant's first key.
  std::string issue_token(const store::tenant& tenant, const store::action& action, std::vector<std::string> scopes);

 private:
  store::stores stores_;
  access_control& access_;
  const clock& clock_;
  random_source& rng_;
  service_config cfg_;
};

}  // namespace signet::service
