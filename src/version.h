#ifndef WI_VERSION_H
#define WI_VERSION_H
#define WI_VERSION "0.1.0"
#endif
