// The api layer: translation between HTTP messages and service calls. No sockets, no WebAuthn
// checks, no SQL. handle() never throws: unexpected failures become a generic JSON 500
// (store unavailability a 503), logged without request secrets.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <filesystem>
#include <string>

#include "signet/service/access.hpp"
#include "signet/service/passkeys.hpp"
#include "signet/service/server_api.hpp"
#include "signet/service/tenants.hpp"

namespace signet::api {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// The demo page (off unless configured): its files and the tenant its backend acts for.
struct demo_config {
  std::filesystem::path dir;
  std::string tenant_id;
  std::string base_url;  // the API base URL the page gives the SDK
};

/// The services a request may use. Owned by the app; outlives every request.
struct context {
  service::tenant_directory& tenants;
  service::access_control& access;
  service::passkey_service& passkeys;
  service::server_api_service& server;
  const demo_config* demo = nullptr;
};

struct request_info {
  std::string remote_address;
};

/// Handles one request. Thread-safe (the services are). The response has its body and
/// Content-Type set; keep-alive and Content-Length are the caller's.
response handle(const request& req, context& ctx, const request_info& info);

/// A JSON error response in the contract's envelope (§4.1); used by net for 413/400/408 too.
response error_response(http::status status, std::string_view error, std::string_view error_code,
                        std::string_view description, unsigned version = 11);

}  // namespace signet::api
