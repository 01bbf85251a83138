#include "database_url.hpp"

#include <filesystem>
#include <stdexcept>

#include "signet/store/sqlite/sqlite_store.hpp"

namespace signet::app {

backend open_backend(const std::string& url, std::size_t pool_size) {
  std::string path;
  if (url.rfind("sqlite://", 0) == 0) {
    path = url.substr(9);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    throw std::runtime_error("this build has no PostgreSQL store yet; use sqlite:///path/to/signet.db");
  } else if (url.find("://") != std::string::npos) {
    throw std::runtime_error("unsupported database URL scheme: " + url.substr(0, url.find("://")));
  } else {
    path = url;
  }
  if (path.empty()) throw std::runtime_error("the database URL has no path");
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  auto s = std::make_shared<store::sqlite::sqlite_store>(store::sqlite::sqlite_store::options{path, pool_size});
  backend b{s, s->ports()};
  return b;
}

}  // namespace signet::app
