// --database URL → backend choice.
#pragma once

#include <memory>
#include <string>

#include "signet/store/ports.hpp"

namespace signet::app {

/// An opened backend and its ports. Owns the backend object.
struct backend {
  std::shared_ptr<void> owner;
  store::stores ports;
};

/// Opens the store named by `url`: `sqlite:///abs/path.db`, `sqlite://relative.db` or a plain path.
/// `pool_size` connections. `serving`: the caller is `signet serve` (a SQLite file is then locked
/// against a second serving process). Throws std::runtime_error with a message for the user on a
/// bad URL, store::store_error when the database cannot be opened or is served already.
backend open_backend(const std::string& url, std::size_t pool_size, bool serving = false);

}  // namespace signet::app
