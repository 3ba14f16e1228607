/* Instrumenting a component: the component layer over the module pipeline.
 *
 * The component's framing and sections are read and checked (nested
 * components too), each selected core module goes through the module pipeline
 * (instrument_job.h) with its sites numbered in one space for the whole
 * component, the hook interface is linked in (--link), and the component is
 * written again with every index that moved renumbered. */
#ifndef WI_COMPONENT_JOB_H
#define WI_COMPONENT_JOB_H

#include <stdio.h>

#include "component_binary.h"
#include "instrument_job.h"

/* Runs the job on a component (the input starts like one: wi_is_component).
 * Same contract as wi_run_job. */
int wi_run_component_job(wi_job *job, FILE *report);

#endif
