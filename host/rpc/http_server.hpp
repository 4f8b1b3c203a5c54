// The client API's HTTP server (Boost.Beast, one io_context thread). It
// parses and bounds requests (header and body sizes, connections, a read
// timeout) and hands each to a handler; the node supplies the routes. A
// malformed request gets 400 and the connection closes; nothing a client
// sends can grow memory past the bounds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace vigil::rpc {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query
  std::string body;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct ServerConfig {
  std::string listen;  // "HOST:PORT"
  uint32_t max_body = 64 << 10;
  uint32_t max_header = 8 << 10;
  uint32_t max_connections = 256;
  uint32_t read_timeout_ms = 10000;
};

struct ServerCounters {
  std::atomic<uint64_t> requests{0}, bad_requests{0}, refused_connections{0};
};

class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  HttpServer(ServerConfig config, Handler handler);
  ~HttpServer();
  bool start(std::string* error);
  void stop();
  uint16_t port() const { return port_; }
  const ServerCounters& counters() const { return counters_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  uint16_t port_ = 0;
  ServerCounters counters_;
};

// Splits a target into path and the value of query key `key` ("" if absent).
std::string query_value(const std::string& target, const std::string& key);
std::string target_path(const std::string& target);

}  // namespace vigil::rpc
