package dataplane

// registerSections adds the generic handlers of every section and child
// converter registered in package models.
func (s *Server) registerSections() {}
