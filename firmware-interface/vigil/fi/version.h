/* Protocol version: every frame, message and service request carries the
 * wire version; a peer rejects a version it does not know. Minor versions
 * only add capability bits. */
#ifndef VIGIL_FI_VERSION_H
#define VIGIL_FI_VERSION_H

#define VIGIL_PROTOCOL_VERSION_MAJOR 2
#define VIGIL_PROTOCOL_VERSION_MINOR 0

/* The version byte of transaction frames, consensus messages and service
 * requests. 2: a transaction's signature covers a domain string, the frame
 * header and the payload (frame.h); 1 signed the payload alone. */
#define VIGIL_WIRE_VERSION 2

#endif /* VIGIL_FI_VERSION_H */
