// The demo page's routes (/demo/…): static files and a tiny app backend that calls the Server API
// in-process for one tenant, so the page never holds the secret key. Enabled only by
// `signet serve --demo-dir DIR --demo-tenant ID` (scripts/run's dev config).
#pragma once

#include <string>
#include <vector>

#include "signet/api/handler.hpp"

namespace signet::api::demo {

/// Handles /demo and everything under it. `segments` is the decoded path.
response handle(const request& req, context& ctx, const std::vector<std::string>& segments);

}  // namespace signet::api::demo
