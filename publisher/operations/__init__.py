"""Operations: readiness status and the scheduler that drives the jobs."""
