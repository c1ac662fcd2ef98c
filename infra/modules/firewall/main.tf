# Azure Firewall Standard governed by a Firewall Policy. Terraform owns the policy and ONE base rule
# collection group (what AKS itself needs); egress-pilot writes its tenant groups into the same policy
# at run time, so nothing here may manage the policy's other groups.

resource "azurerm_public_ip" "firewall" {
  name                = "${var.name}-pip"
  resource_group_name = var.resource_group_name
  location            = var.location
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones
  tags                = var.tags
}

resource "azurerm_firewall_policy" "this" {
  name                     = "${var.name}-policy"
  resource_group_name      = var.resource_group_name
  location                 = var.location
  sku                      = "Standard"
  threat_intelligence_mode = var.threat_intelligence_mode
  tags                     = var.tags

  # The spokes use the firewall as their DNS server: FQDN network rules (NTP below) need the proxy,
  # and it makes the DNS proxy log category meaningful.
  dns {
    proxy_enabled = true
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "aks_base" {
  name               = "aks-base"
  firewall_policy_id = azurerm_firewall_policy.this.id
  priority           = var.base_rule_collection_group_priority

  # Network rules first (Azure evaluates network before application rules).
  network_rule_collection {
    name     = "aks-network"
    priority = 100
    action   = "Allow"

    # Tunnel to the managed control plane (AKS outbound rules: TCP 9000 / UDP 1194 to AzureCloud.<region>).
    rule {
      name                  = "aks-apiserver-tcp"
      protocols             = ["TCP"]
      source_addresses      = var.aks_source_cidrs
      destination_addresses = ["AzureCloud.${var.location}"]
      destination_ports     = ["9000"]
    }

    rule {
      name                  = "aks-apiserver-udp"
      protocols             = ["UDP"]
      source_addresses      = var.aks_source_cidrs
      destination_addresses = ["AzureCloud.${var.location}"]
      destination_ports     = ["1194"]
    }

    rule {
      name              = "ntp"
      protocols         = ["UDP"]
      source_addresses  = var.aks_source_cidrs
      destination_fqdns = var.ntp_fqdns
      destination_ports = ["123"]
    }
  }

  application_rule_collection {
    name     = "aks-fqdn"
    priority = 200
    action   = "Allow"

    # Microsoft-maintained list of the FQDNs AKS nodes need (MCR, packages, AKS endpoints).
    rule {
      name                  = "aks-fqdn-tag"
      source_addresses      = var.aks_source_cidrs
      destination_fqdn_tags = ["AzureKubernetesService"]
      protocols {
        type = "Http"
        port = 80
      }
      protocols {
        type = "Https"
        port = 443
      }
    }

    # Image registries of the Tigera operator and Calico: BYO CNI nodes stay NotReady until these pull.
    rule {
      name              = "calico-images"
      source_addresses  = var.aks_source_cidrs
      destination_fqdns = var.calico_image_fqdns
      protocols {
        type = "Https"
        port = 443
      }
    }
  }
}

resource "azurerm_firewall" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.this.id
  zones               = var.zones
  tags                = var.tags

  ip_configuration {
    name                 = "ipconfig1"
    subnet_id            = var.subnet_id
    public_ip_address_id = azurerm_public_ip.firewall.id
  }
}

# Resource-specific tables (log_analytics_destination_type = "Dedicated"): AZFWApplicationRule,
# AZFWNetworkRule and AZFWDnsQuery replace the legacy AzureDiagnostics categories
# AzureFirewallApplicationRule / AzureFirewallNetworkRule / AzureFirewallDnsProxy.
resource "azurerm_monitor_diagnostic_setting" "firewall" {
  name                           = "${var.name}-logs"
  target_resource_id             = azurerm_firewall.this.id
  log_analytics_workspace_id     = var.log_analytics_workspace_id
  log_analytics_destination_type = "Dedicated"

  dynamic "enabled_log" {
    for_each = toset(var.log_categories)
    content {
      category = enabled_log.value
    }
  }
}
