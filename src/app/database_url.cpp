#include "database_url.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "signet/store/sqlite/sqlite_store.hpp"
#if SIGNET_HAVE_POSTGRES
#include "signet/store/postgres/postgres_store.hpp"
#endif

namespace signet::app {

backend open_backend(const std::string& url, std::size_t pool_size, bool serving) {
  std::string path;
  if (url.rfind("sqlite://", 0) == 0) {
    path = url.substr(9);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
#if SIGNET_HAVE_POSTGRES
    // The password comes from PGPASSWORD, PGPASSFILE/~/.pgpass or ?password_file=…, never the URL.
    auto s = std::make_shared<store::postgres::postgres_store>(
        store::postgres::postgres_store::options{url, pool_size, std::nullopt});
    backend b{s, s->ports()};
    return b;
#else
    throw std::runtime_error("this build has no PostgreSQL store (configure with -DSIGNET_WITH_POSTGRES=ON)");
#endif
  } else if (url.find("://") != std::string::npos) {
    throw std::runtime_error("unsupported database URL scheme: " + url.substr(0, url.find("://")));
  } else {
    path = url;
  }
  if (path.empty()) throw std::runtime_error("the database URL has no path");
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  // Read connections: half the pool the caller asks for (one per I/O thread, plus one). The store
  // adds its one writing connection and its checkpointer's (docs/design.md, SQLite; performance.md §6).
  auto s = std::make_shared<store::sqlite::sqlite_store>(
      store::sqlite::sqlite_store::options{path, std::max<std::size_t>(2, pool_size / 2), serving});
  backend b{s, s->ports()};
  return b;
}

}  // namespace signet::app
