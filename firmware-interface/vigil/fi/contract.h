/* The whole binary contract: include this one header. */
#ifndef VIGIL_FI_CONTRACT_H
#define VIGIL_FI_CONTRACT_H

#include "batch.h"
#include "caps.h"
#include "consensus.h"
#include "errors.h"
#include "frame.h"
#include "service.h"
#include "token.h"
#include "types.h"
#include "version.h"

#endif /* VIGIL_FI_CONTRACT_H */
