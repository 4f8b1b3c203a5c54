#include "host/rpc/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "host/p2p/network.hpp"

namespace vigil::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string host;
  uint16_t port = 0;
  uint32_t timeout_ms;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buf;

  bool connect() {
    stream.emplace(io);
    beast::error_code ec;
    const auto addr = asio::ip::make_address(host, ec);
    if (ec) return false;
    stream->expires_after(std::chrono::milliseconds(timeout_ms));
    stream->connect(tcp::endpoint(addr, port), ec);
    if (ec) stream.reset();
    return !ec;
  }
};

HttpClient::HttpClient(std::string host_port, uint32_t timeout_ms)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout_ms = timeout_ms;
  if (!p2p::split_host_port(host_port, &impl_->host, &impl_->port)) impl_->port = 0;
}

HttpClient::~HttpClient() = default;

std::optional<HttpResult> HttpClient::get(const std::string& target) {
  return request(false, target, "");
}
std::optional<HttpResult> HttpClient::post(const std::string& target, const std::string& body) {
  return request(true, target, body);
}

std::optional<HttpResult> HttpClient::request(bool is_post, const std::string& target,
                                              const std::string& body) {
  Impl& m = *impl_;
  if (m.port == 0) return std::nullopt;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!m.stream && !m.connect()) return std::nullopt;
    http::request<http::string_body> req(is_post ? http::verb::post : http::verb::get, target, 11);
    req.set(http::field::host, m.host);
    req.keep_alive(true);
    if (is_post) {
      req.set(http::field::content_type, "application/octet-stream");
      req.body() = body;
      req.prepare_payload();
    }
    beast::error_code ec;
    m.stream->expires_after(std::chrono::milliseconds(m.timeout_ms));
    http::write(*m.stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    if (!ec) http::read(*m.stream, m.buf, parser, ec);
    if (ec) {
      m.stream.reset();
      m.buf.clear();
      continue;  // the server may have closed a kept-alive connection
    }
    auto& res = parser.get();
    HttpResult r{res.result_int(), res.body()};
    if (!res.keep_alive()) m.stream.reset();
    return r;
  }
  return std::nullopt;
}

}  // namespace vigil::rpc
