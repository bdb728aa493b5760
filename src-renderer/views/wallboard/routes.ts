import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/wallboard', name: 'wallboard', component: () => import('./DashboardBoard.vue'), meta: { nav: { label: 'nav.wallboard', icon: '▦', order: 50 } } },
  { path: '/wallboard/tickets', name: 'wallboard-tickets', component: () => import('./TicketsBoard.vue') },
  { path: '/wallboard/projects', name: 'wallboard-projects', component: () => import('./ProjectsBoard.vue') },
  { path: '/wallboard/control', name: 'wallboard-control', component: () => import('./WallboardControl.vue') },
  { path: '/kiosk', name: 'kiosk', component: () => import('./KioskView.vue'), meta: { bare: true } },
] satisfies RouteRecordRaw[];
