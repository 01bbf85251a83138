#include "fixture.hpp"

#include <openssl/sha.h>

#include <random>

namespace signet::testing {

temp_dir::temp_dir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("signet-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void counter_random::fill(std::span<core::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::uint64_t n = n_++;
    unsigned char h[32];
    SHA256(reinterpret_cast<const unsigned char*>(&n), sizeof n, h);
    const std::size_t k = std::min<std::size_t>(32, out.size() - done);
    std::copy(h, h + k, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += k;
  }
}

sqlite_fixture::sqlite_fixture()
    : db(std::make_unique<store::sqlite::sqlite_store>(
          store::sqlite::sqlite_store::options{(dir.path() / "signet.db").string(), 4})) {}

store::tenant make_tenant(std::string id, std::string secret, std::string rp_id) {
  store::tenant t;
  t.id = std::move(id);
  t.name = "Test";
  t.rp_id = rp_id;
  t.rp_name = "Test RP";
  t.expected_origins = {"https://" + rp_id};
  t.cors_origins = t.expected_origins;
  t.secret_keys = {std::move(secret)};
  t.created_at = service::time_point(std::chrono::seconds(1'700'000'000));
  return t;
}

}  // namespace signet::testing
