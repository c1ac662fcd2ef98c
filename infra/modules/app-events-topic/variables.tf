variable "name" {
  type        = string
  description = "Name of the custom topic."
  default     = "egress-pilot-events"
  validation {
    condition     = can(regex("^[A-Za-z0-9-]{3,50}$", var.name))
    error_message = "name must be 3-50 letters, digits or hyphens."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group of the topic."
}

variable "location" {
  type        = string
  description = "Azure region of the topic."
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the topic."
  default     = {}
}
