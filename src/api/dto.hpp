// Request parsing (JSON → service structs) and response encoding (service structs → JSON).
// Parsing returns service errors with code invalid_request; it never throws on input.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "signet/service/errors.hpp"
#include "signet/service/passkeys.hpp"
#include "signet/service/server_api.hpp"

namespace signet::api::dto {

namespace json = boost::json;
inline constexpr std::size_t max_string_chars = 256;

/// Body → JSON object. Empty body → {}. Invalid JSON or a non-object → invalid_request.
service::result<json::object> parse_object(std::string_view body, json::storage_ptr sp = {});

/// Optional members: absent or null → nullopt; wrong type or too long → invalid_request.
service::result<std::optional<std::string>> opt_string(const json::object& o, std::string_view key,
                                                       std::size_t max_chars = max_string_chars);
service::result<std::optional<bool>> opt_bool(const json::object& o, std::string_view key);

service::result<service::registration_options_request> registration_options_request(const json::object& o);
service::result<service::track_request> track_request(const json::object& o);
service::result<service::validate_request> validate_request(const json::object& o);
service::result<store::user_patch> user_patch(const json::object& o);

service::result<service::add_passkey_request> add_passkey_request(const json::object& o);
/// C9: the body is the bare RegistrationResponseJSON.
service::add_passkey_request bare_registration(std::string_view body);
service::result<service::authentication_options_request> authentication_options_request(const json::object& o);
service::result<service::verify_passkey_request> verify_passkey_request(const json::object& o);

/// The C1 body {challengeId, options: PublicKeyCredentialCreationOptionsJSON}, or with `bare` the
/// options alone (C8); the request options likewise (C3 with SPC's paymentInstruments and payment,
/// C10 bare). Written directly as JSON text: they are every sign-up's and sign-in's first response.
std::string creation_options_json(const service::creation_options& o, bool bare);
std::string request_options_json(const service::request_options& o, bool bare);
json::object verify_result(const service::verify_passkey_result& r);
/// Authenticator object: server view (§9.1) or client view (§9.2, with isDefault, without userId).
json::object authenticator_server(const store::authenticator& a);
json::object authenticator_client(const store::authenticator& a, bool is_default);
json::object action(const store::action& a);
json::object action_summary(const store::action& a);
json::object track_result(const service::track_result& r);
json::object validate_result(const service::validate_result& r);
json::object user(const service::user_view& v);
json::object user_attributes(const store::user& u);
json::object user_summary(const service::user_view& v);

/// Number of Unicode code points in UTF-8 text.
std::size_t utf8_length(std::string_view s) noexcept;

}  // namespace signet::api::dto
