// HOST:PORT strings of the service's command lines, to Asio endpoints.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <vector>

namespace vigil::service {

// Splits "HOST:PORT" ("[::1]:PORT" for IPv6); "" on success, else why.
std::string split_host_port(const std::string& spec, std::string& host, uint16_t& port);
// A numeric address or "localhost" and a port; "" on success, else why.
std::string parse_endpoint(const std::string& spec, boost::asio::ip::tcp::endpoint& out);
// "A:1,B:2" to {"A:1", "B:2"}; empty parts are skipped.
std::vector<std::string> split_list(const std::string& spec);

}  // namespace vigil::service
