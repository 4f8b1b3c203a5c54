#include "host/service/endpoint.hpp"

#include <charconv>

namespace vigil::service {

std::string split_host_port(const std::string& spec, std::string& host, uint16_t& port) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) return "'" + spec + "' is not HOST:PORT";
  host = spec.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const char* p = spec.data() + colon + 1;
  const char* end = spec.data() + spec.size();
  auto [q, ec] = std::from_chars(p, end, port);
  if (ec != std::errc() || q != end || p == end) return "'" + spec + "': bad port";
  return "";
}

std::string parse_endpoint(const std::string& spec, boost::asio::ip::tcp::endpoint& out) {
  std::string host;
  uint16_t port = 0;
  if (std::string why = split_host_port(spec, host, port); !why.empty()) return why;
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(host, ec);
  if (ec) return "'" + spec + "': '" + host + "' is not an IP address";
  out = {addr, port};
  return "";
}

std::vector<std::string> split_list(const std::string& spec) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= spec.size();) {
    const size_t comma = std::min(spec.find(',', at), spec.size());
    if (comma > at) out.push_back(spec.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

}  // namespace vigil::service
