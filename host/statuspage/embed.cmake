# cmake -DIN=file -DOUT=file.cpp -P embed.cmake: writes the bytes of IN as a
# C++ array behind vigil::statuspage::html().
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "// Generated from ${IN} by embed.cmake; do not edit.\n"
     "#include \"host/statuspage/status_page.hpp\"\n"
     "namespace vigil::statuspage {\n"
     "namespace { const unsigned char kPage[${bytes}] = {${body}}; }\n"
     "std::string_view html() { return {reinterpret_cast<const char*>(kPage), ${bytes}}; }\n"
     "}  // namespace vigil::statuspage\n")
