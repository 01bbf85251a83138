// Ceremony entry points: begin_registration, finish_registration, begin_authentication,
// finish_authentication, each taking one options struct. Core does no I/O and reads no clock or
// global RNG: time and random bytes are passed in; failures are returned as errc.
//
// OWNED BY the core helper: refine freely, but keep the four entry points and one options struct each.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/attestation.hpp"
#include "signet/core/authenticator_data.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

/// A RegistrationResponseJSON / AuthenticationResponseJSON decoded from the wire (base64url fields).
struct registration_response {
  std::string id;
  credential_id raw_id;
  bytes client_data_json;
  bytes attestation_object;
  std::vector<std::string> transports;
  std::optional<std::string> authenticator_attachment;
  bool cred_props_rk_known = false;
  bool cred_props_rk = false;
  bool appid_extension = false;  // clientExtensionResults.appid
};

struct authentication_response {
  std::string id;
  credential_id raw_id;
  bytes client_data_json;
  bytes authenticator_data;
  bytes signature;
  std::optional<core::user_handle> user_handle;
  std::optional<std::string> authenticator_attachment;
  bool appid_extension = false;
};

/// Parse the browser JSON text (strict: required members present and typed, base64url valid).
boost::system::result<registration_response> parse_registration_response_json(std::string_view json);
boost::system::result<authentication_response> parse_authentication_response_json(std::string_view json);

}  // namespace signet::core
