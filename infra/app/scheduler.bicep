// The Durable Task Scheduler and the app's task hub. Durable Task Data Contributor lets the app run its
// orchestrations, entities and activities, and the deploying user open the dashboard.
param name string
param taskHubName string
param location string
param tags object
@allowed(['Consumption', 'Dedicated'])
param skuName string
@description('Capacity units of a Dedicated scheduler; the Consumption SKU has none.')
param capacity int
param appPrincipalId string
param userPrincipalId string
@allowed(['User', 'Group', 'ServicePrincipal'])
param userPrincipalType string

var roles = loadJsonContent('../roles.json')

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Reachable from anywhere; every call still needs an Entra token with a Durable Task role.
    ipAllowlist: ['0.0.0.0/0']
    sku: skuName == 'Dedicated' ? { name: skuName, capacity: capacity } : { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource appRunsWork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, appPrincipalId, roles.DurableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.DurableTaskDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userOpensDashboard 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(scheduler.id, userPrincipalId, roles.DurableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.DurableTaskDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output dashboardUrl string = taskHub.properties.dashboardUrl
