// A small blocking HTTP/1.1 client (Boost.Beast) with one kept-alive
// connection, for tools and tests that talk to vigild's API: GET a path, get
// the status and body back; reconnects once when the server closed the
// connection. Bounded: responses over max_body are an error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace vigil::rpc {

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(std::string host_port, uint32_t timeout_ms = 2000);
  ~HttpClient();
  // nullopt when the server cannot be reached or answers garbage.
  std::optional<HttpResult> get(const std::string& target);
  std::optional<HttpResult> post(const std::string& target, const std::string& body);

  struct Impl;

 private:
  std::optional<HttpResult> request(bool post, const std::string& target, const std::string& body);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::rpc
