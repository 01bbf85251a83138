// signet: the command-line entry point. Config → validated values → construction → run.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "database_url.hpp"
#include "signet/api/handler.hpp"
#include "signet/net/server.hpp"
#include "signet/service/access.hpp"
#include "signet/service/env.hpp"
#include "signet/service/passkeys.hpp"
#include "signet/service/server_api.hpp"
#include "signet/service/tenants.hpp"
#include "signet/service/token_issuer.hpp"
#if SIGNET_HAVE_VERIFY
#include "signet/app/verify.hpp"
#endif

namespace json = boost::json;
using namespace signet;

namespace {

constexpr const char* k_default_database = "sqlite://./data/signet.db";

struct serve_config {
  std::string listen = "127.0.0.1:8080";
  std::string database = k_default_database;
  std::string public_url;  // default http://<listen>/v1
  unsigned threads = 0;
  std::size_t body_limit = 64 * 1024;
  std::string log_level = "info";
  std::string demo_dir;     // serve the demo page from here (off when empty)
  std::string demo_tenant;  // the tenant the demo backend acts for
};

void split_host_port(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--listen", "expected HOST:PORT");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string p = listen.substr(colon + 1);
  unsigned long v = 0;
  try {
    std::size_t used = 0;
    v = std::stoul(p, &used);
    if (used != p.size()) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw CLI::ValidationError("--listen", "the port must be a number");
  }
  if (v > 65535) throw CLI::ValidationError("--listen", "the port must be at most 65535");
  port = static_cast<std::uint16_t>(v);
}

/// Deletes expired challenges once a minute until stopped.
class reaper {
 public:
  explicit reaper(store::challenge_store& s) : thread_([this, &s] { loop(s); }) {}
  ~reaper() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void loop(store::challenge_store& s) {
    std::unique_lock lk(mu_);
    while (!cv_.wait_for(lk, std::chrono::seconds(60), [this] { return stop_; })) {
      try {
        if (auto n = s.reap_expired_challenges(std::chrono::system_clock::now()); n > 0)
          spdlog::debug("reaped {} expired challenges", n);
      } catch (const std::exception& e) {
        spdlog::warn("challenge reaping failed: {}", e.what());
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int run_serve(const serve_config& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  net::server_options so;
  split_host_port(cfg.listen, so.host, so.port);
  so.threads = cfg.threads;
  so.body_limit = cfg.body_limit;
  const unsigned threads = so.threads ? so.threads : std::max(1u, std::thread::hardware_concurrency());

  auto backend = app::open_backend(cfg.database, threads * 2 + 2, /*serving=*/true);
  service::system_clock clock;
  service::openssl_random rng;
  service::tenant_directory tenants(backend.ports.tenants, clock);
  service::access_control access(tenants, backend.ports, clock);

  net::server srv(so, nullptr);  // bind first, so the issuer can name the real port
  std::string public_url = cfg.public_url;
  if (public_url.empty()) {
    const std::string host = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
    public_url = "http://" + host + ":" + std::to_string(srv.port()) + "/v1";
  }
  service::token_issuer tokens(public_url, clock, rng);
  service::passkey_service passkeys(backend.ports, tokens, clock, rng);
  service::server_api_service server_api(backend.ports, access, tokens, clock, rng);
  api::demo_config demo{cfg.demo_dir, cfg.demo_tenant, public_url};
  api::context ctx{tenants, access, passkeys, server_api, nullptr};
  if (!cfg.demo_dir.empty()) {
    if (cfg.demo_tenant.empty()) throw std::runtime_error("--demo-dir needs --demo-tenant");
    if (!tenants.by_id(cfg.demo_tenant)) throw std::runtime_error("--demo-tenant names no tenant in this database");
    ctx.demo = &demo;
    spdlog::info("demo page on http://localhost:{}/demo/ (tenant {})", srv.port(), cfg.demo_tenant);
  }
  reaper reap(backend.ports.challenges);
  srv.set_handler([&ctx](const api::request& req, const api::request_info& info) { return api::handle(req, ctx, info); });
  spdlog::info("signet listening on http://{}:{} (API base URL {})", so.host, srv.port(), public_url);
  srv.run();
  spdlog::info("signet stopped");
  return 0;
}

std::string new_secret_key(service::random_source& rng) {
  return "sk_" + core::base64url_encode(service::random_bytes(rng, 32));
}

int run_tenant_create(const std::string& database, const std::string& rp_id, const std::vector<std::string>& origins,
                      const std::string& name, const std::string& user_verification) {
  auto backend = app::open_backend(database, 1);
  service::openssl_random rng;
  store::tenant t;
  t.id = service::uuid_v4(rng);
  t.name = name.empty() ? rp_id : name;
  t.rp_id = rp_id;
  t.rp_name = t.name;
  t.expected_origins = origins.empty() ? std::vector<std::string>{"https://" + rp_id} : origins;
  t.cors_origins = t.expected_origins;
  t.secret_keys = {new_secret_key(rng)};
  t.user_verification = user_verification;
  t.created_at = std::chrono::system_clock::now();
  if (!backend.ports.tenants.create_tenant(t)) throw std::runtime_error("tenant id collision; retry");
  std::cout << json::serialize(json::object{{"tenantId", t.id}, {"secretKey", t.secret_keys[0]}}) << std::endl;
  return 0;
}

int run_tenant_list(const std::string& database) {
  auto backend = app::open_backend(database, 1);
  json::array out;
  for (const auto& t : backend.ports.tenants.list_tenants()) {
    json::array origins;
    for (const auto& o : t.expected_origins) origins.push_back(json::string(o));
    // Secret keys are never printed by list; `tenant create` shows a key once.
    out.push_back(json::object{{"tenantId", t.id},
                               {"name", t.name},
                               {"rpId", t.rp_id},
                               {"origins", std::move(origins)},
                               {"createdAt", service::iso8601(t.created_at)}});
  }
  std::cout << json::serialize(out) << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("signet");
  spdlog::set_default_logger(logger);

  CLI::App app{"Signet: a self-hosted passkey (WebAuthn) server speaking Authsignal's Client and Server APIs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "signet 0.1.0");

  serve_config scfg;
  auto* serve = app.add_subcommand("serve", "Run the HTTP server");
  // The config file is read by the top-level app (CLI11 reads subcommand keys from a [serve] table, or
  // from the top level when the file has no tables); fallthrough lets `signet serve --config FILE` reach it.
  app.set_config("--config", "", "TOML config file: keys listen, database, public-url, threads, body-limit, log-level");
  serve->fallthrough();
  serve->add_option("--listen", scfg.listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
  serve->add_option("--database", scfg.database, "sqlite:///abs/path/signet.db")->capture_default_str();
  serve->add_option("--public-url", scfg.public_url, "Public API base URL including /v1 (token issuer)");
  serve->add_option("--threads", scfg.threads, "I/O threads (0 = one per core)")->capture_default_str();
  serve->add_option("--body-limit", scfg.body_limit, "Largest accepted request body in bytes")->capture_default_str();
  serve->add_option("--demo-dir", scfg.demo_dir, "Serve the demo page from this directory at /demo/ (dev only)");
  serve->add_option("--demo-tenant", scfg.demo_tenant, "Tenant id the demo page's backend acts for");
  serve->add_option("--log-level", scfg.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();

  auto* tenant = app.add_subcommand("tenant", "Manage tenants");
  tenant->require_subcommand(1);
  std::string t_database = k_default_database, t_rp_id, t_name, t_uv = "preferred";
  std::vector<std::string> t_origins;
  auto* create = tenant->add_subcommand("create", "Create a tenant; prints {\"tenantId\", \"secretKey\"} as JSON");
  create->add_option("--database", t_database, "sqlite:///abs/path/signet.db")->capture_default_str();
  create->add_option("--rp-id", t_rp_id, "WebAuthn relying-party id (a registrable domain, or localhost)")->required();
  create->add_option("--origin", t_origins, "Expected origin, e.g. https://app.example.com (repeatable)");
  create->add_option("--name", t_name, "Tenant and relying-party display name (default: the rp id)");
  create->add_option("--user-verification", t_uv, "preferred or required")
      ->check(CLI::IsMember({"preferred", "required"}))
      ->capture_default_str();
  auto* list = tenant->add_subcommand("list", "List tenants as JSON (without secrets)");
  list->add_option("--database", t_database, "sqlite:///abs/path/signet.db")->capture_default_str();

#if SIGNET_HAVE_VERIFY
  bool v_check = false;
  std::vector<std::string> v_paths;
  auto* verify = app.add_subcommand("verify", "Verify WebAuthn vectors (files or directories); one JSON line each");
  verify->add_flag("--check", v_check, "Compare with each vector's expect; exit non-zero on a mismatch");
  verify->add_option("paths", v_paths, "Vector files or directories")->required();
#endif

  CLI11_PARSE(app, argc, argv);
  try {
    if (serve->parsed()) return run_serve(scfg);
    if (create->parsed()) return run_tenant_create(t_database, t_rp_id, t_origins, t_name, t_uv);
    if (list->parsed()) return run_tenant_list(t_database);
#if SIGNET_HAVE_VERIFY
    if (verify->parsed()) return app::run_verify(v_paths, v_check, std::cout);
#endif
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 2;
}
