// The HTTP server's group-commit path (signet/store/group_commit.hpp) over a loopback socket: a
// response whose handler noted a batch leaves only once the batch has committed, and a batch that
// fails turns it into a 503 JSON error; a handler that noted nothing is answered at once.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "signet/net/server.hpp"
#include "signet/store/group_commit.hpp"

namespace signet::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http::response<http::string_body> get(std::uint16_t port, const std::string& target) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return res;
}

TEST(server, a_response_waits_for_its_group_commit_and_a_failed_one_is_a_503) {
  std::atomic<int> committed{0};
  handler h = [&](const api::request& req, const api::request_info&) {
    api::response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.body() = R"({"ok":true})";
    const auto* post = store::group_commit::deferrable();
    if (!post) {
      res.result(http::status::internal_server_error);  // the server must open a scope
      return res;
    }
    if (req.target() == "/now") return res;
    auto b = std::make_shared<store::group_commit::batch>();
    store::group_commit::note(b);
    const bool ok = req.target() == "/commit";
    // The commit runs after the handler has returned, on the request's thread.
    (*post)([b, ok, &committed] {
      if (ok) ++committed;
      b->finish(ok);
    });
    return res;
  };
  server_options o;
  o.port = 0;
  o.threads = 2;
  server srv(o, h);
  std::thread run([&] { srv.run(); });

  auto now = get(srv.port(), "/now");
  EXPECT_EQ(now.result(), http::status::ok);
  EXPECT_EQ(committed.load(), 0);

  auto ok = get(srv.port(), "/commit");
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(ok.body(), R"({"ok":true})");
  EXPECT_EQ(committed.load(), 1);  // the response came after the commit

  auto failed = get(srv.port(), "/fail");
  EXPECT_EQ(failed.result(), http::status::service_unavailable);
  auto body = boost::json::parse(failed.body()).as_object();
  EXPECT_EQ(body.at("error"), "internal_error");
  EXPECT_EQ(body.at("errorCode"), "unavailable");
  EXPECT_EQ(failed[http::field::content_type], "application/json");

  srv.stop();
  run.join();
}

}  // namespace
}  // namespace signet::net
