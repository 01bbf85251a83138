// signet::app::run_verify on vectors minted by the soft authenticator: the --check verdict, the
// reported fields and the final count line, including a mismatch that must fail.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "signet/app/verify.hpp"
#include "soft_authenticator.hpp"

using namespace signet;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("signet-verify-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

json::object registration_vector(const std::string& id, bool expect_verified) {
  test::soft_authenticator a;
  test::registration_knobs k;
  k.challenge = core::base64url_encode(core::as_bytes("runner challenge 0123"));
  k.mode = test::attestation_mode::packed_self;
  k.sign_count = 7;
  auto minted = a.make_registration(k);
  json::object v{{"id", id},
                 {"kind", "registration"},
                 {"response", json::parse(minted.json)},
                 {"expectedChallenge", k.challenge},
                 {"expectedOrigin", json::array{"https://example.com"}},
                 {"expectedRPID", "example.com"},
                 {"requireUserVerification", true}};
  json::object expect{{"verified", expect_verified}};
  if (expect_verified) {
    expect["fmt"] = "packed";
    expect["counter"] = 7;
    expect["credentialId"] = core::base64url_encode(minted.credential_id);
  } else {
    expect["reason"] = "deliberately wrong expectation";
  }
  v["expect"] = std::move(expect);
  return v;
}

void write(const fs::path& p, const json::object& v) {
  std::ofstream out(p);
  out << json::serialize(v);
}

std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

TEST(verify_runner, matching_vector_passes) {
  temp_dir d;
  write(d.path / "soft-reg-ok.json", registration_vector("soft-reg-ok", true));
  std::ostringstream out;
  EXPECT_EQ(app::run_verify({d.path.string()}, true, out), 0);
  EXPECT_EQ(last_line(out.str()), "1 passed, 0 failed");
  auto line = json::parse(out.str().substr(0, out.str().find('\n'))).as_object();
  EXPECT_EQ(line.at("verdict").as_string(), "verified");
  EXPECT_EQ(line.at("fmt").as_string(), "packed");
  EXPECT_EQ(line.at("attestationType").as_string(), "self");
  EXPECT_EQ(line.at("counter").as_int64(), 7);
  EXPECT_TRUE(line.at("errorCode").is_null());
}

TEST(verify_runner, mismatching_vector_fails_the_run) {
  temp_dir d;
  write(d.path / "a.json", registration_vector("soft-reg-ok", true));
  write(d.path / "b.json", registration_vector("soft-reg-wrong-expect", false));
  std::ostringstream out;
  EXPECT_EQ(app::run_verify({d.path.string()}, true, out), 1);
  EXPECT_EQ(last_line(out.str()), "1 passed, 1 failed");
  EXPECT_NE(out.str().find("\"mismatch\""), std::string::npos);
}

TEST(verify_runner, wrong_reported_field_fails) {
  temp_dir d;
  auto v = registration_vector("soft-reg-bad-counter", true);
  v["expect"].as_object()["counter"] = 8;
  write(d.path / "c.json", v);
  std::ostringstream out;
  EXPECT_EQ(app::run_verify({(d.path / "c.json").string()}, true, out), 1);
  EXPECT_EQ(last_line(out.str()), "0 passed, 1 failed");
}

TEST(verify_runner, missing_path_and_invalid_file_fail) {
  temp_dir d;
  {
    std::ofstream bad(d.path / "bad.json");
    bad << "{ not json";
  }
  std::ostringstream out;
  EXPECT_EQ(app::run_verify({(d.path / "absent").string(), (d.path / "bad.json").string()}, true, out), 1);
  EXPECT_EQ(last_line(out.str()), "0 passed, 2 failed");
}

TEST(verify_runner, without_check_no_count_line) {
  temp_dir d;
  write(d.path / "a.json", registration_vector("soft-reg-ok", false));
  std::ostringstream out;
  EXPECT_EQ(app::run_verify({d.path.string()}, false, out), 0);
  EXPECT_EQ(out.str().find("passed"), std::string::npos);
}
