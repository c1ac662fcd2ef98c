variable "name" {
  type        = string
  description = "Name of the Log Analytics workspace."
  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$", var.name))
    error_message = "name must be 4-63 letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Resource group that holds the workspace."
}

variable "location" {
  type        = string
  description = "Azure region of the workspace (e.g. westeurope)."
}

variable "retention_in_days" {
  type        = number
  description = "Days logs are kept. Ingestion and retention beyond 31 days are cost drivers."
  default     = 30
  validation {
    condition     = var.retention_in_days >= 30 && var.retention_in_days <= 730
    error_message = "retention_in_days must be 30..730."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the workspace."
  default     = {}
}
